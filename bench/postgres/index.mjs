// `postgres` section of `pnpm bench`: PostgresStore verification beside
// `SELECT 1` on the same pool at 1k, 100k and 1M stored keys (quick: 1k, few
// iterations), default statements and `preparedStatements`; the guarded
// HTTP route beside the same route doing one raw `pool.query` (autocannon);
// and better-auth's api-key plugin on the same pool (better-auth.mjs). Uses DATABASE_URL (default
// the local test database); reports `skipped` when nothing answers there, so
// machines without PostgreSQL still run the rest of the benchmarks.
import pg from 'pg';
import { parseArgs } from '../lib/args.mjs';
import { fmt, printTable, runSection } from '../lib/output.mjs';
import { compareBetterAuth } from './better-auth.mjs';
import { httpComparison } from './http.mjs';
import { DEFAULT_URL, measure } from './measure.mjs';

const opts = parseArgs(process.argv.slice(2));

async function reachable(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query('SELECT version() AS v');
    return rows[0].v;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

async function main() {
  const version = await reachable(DEFAULT_URL);
  if (!version) {
    console.log(`[postgres] nothing answers at DATABASE_URL (${DEFAULT_URL.replace(/\/\/[^@/]*@/, '//')}): skipped`);
    return { skipped: 'no PostgreSQL at DATABASE_URL' };
  }
  console.log(`[postgres] ${version.split(',')[0]}`);
  const sizes = opts.quick ? [1000] : [1000, 100_000, 1_000_000];
  const n = opts.quick ? 300 : 3000;
  const results = [];
  for (const keys of sizes) {
    console.log(`[postgres] ${fmt(keys)} keys …`);
    results.push(await measure({ keys, n, rounds: opts.quick ? 1 : 3 }));
  }
  printTable(
    ['keys', 'SELECT 1 p50 ms', 'verify p50 ms', '× SELECT 1', 'prepared p50 ms', '× SELECT 1', 'seq verify/s', '32 in flight/s'],
    results.map((r) => [
      fmt(r.keys),
      r.sequential.select1P50Ms,
      r.sequential.verifyP50Ms,
      r.sequential.verifyP50OverSelect1,
      r.sequential.preparedVerifyP50Ms,
      r.sequential.preparedP50OverSelect1,
      `${fmt(r.sequential.verifyPerSec)} / ${fmt(r.sequential.preparedVerifyPerSec)}`,
      `${fmt(r.inFlight32.verifyPerSec)} / ${fmt(r.inFlight32.preparedVerifyPerSec)}`,
    ]),
  );
  const http = [];
  for (const prepared of [false, true]) {
    console.log(`[postgres] HTTP: guarded route vs one raw pool.query (${prepared ? 'preparedStatements' : 'default'}) …`);
    http.push({ prepared, ...(await httpComparison({ url: DEFAULT_URL, seconds: opts.quick ? 1 : 5, rounds: opts.quick ? 1 : 3, prepared })) });
  }
  printTable(
    ['statements', 'guarded req/s', 'raw pool.query req/s', 'guarded ÷ raw', 'non-2xx'],
    http.map((h) => [h.prepared ? 'prepared' : 'default', fmt(h.guardedPerSec), fmt(h.rawPerSec), `${fmt(h.ratio * 100, 1)}%`, h.non2xx]),
  );
  if (http.some((h) => h.non2xx > 0)) throw new Error('non-2xx answers in the HTTP comparison');
  // The peer on the same PostgreSQL: better-auth's api-key plugin, 1k keys, rate limit off.
  console.log('[postgres] better-auth api-key plugin vs PostgresStore vs SELECT 1, same pool, 1k keys, sequential …');
  let betterAuth;
  try {
    betterAuth = await compareBetterAuth({ url: DEFAULT_URL, keys: 1000, n: opts.quick ? 300 : 3000, rounds: opts.quick ? 1 : 5 });
  } catch (err) {
    // A peer that cannot be set up is reported, not a failed section.
    betterAuth = { error: String(err?.stack ?? err) };
  }
  if (betterAuth.skipped) console.log(`[postgres] better-auth skipped: ${betterAuth.skipped}`);
  else if (betterAuth.error) console.log(`[postgres] better-auth comparison failed: ${betterAuth.error.split('\n')[0]}`);
  else {
    printTable(
      ['1k keys, same pool, sequential', 'per second', 'p50 ms'],
      [
        ['SELECT 1', fmt(betterAuth.select1PerSec), fmt(betterAuth.select1P50Ms, 3)],
        [`better-auth ${betterAuth.betterAuthVersion ?? ''} verifyApiKey`, fmt(betterAuth.betterAuthPerSec), fmt(betterAuth.betterAuthP50Ms, 3)],
        ['tokenkit PostgresStore verify', fmt(betterAuth.tokenkitPerSec), fmt(betterAuth.tokenkitP50Ms, 3)],
      ],
    );
    if (betterAuth.tokenkitOverBetterAuth) console.log(`tokenkit ÷ better-auth: ×${fmt(betterAuth.tokenkitOverBetterAuth, 1)}`);
    if (betterAuth.note) console.log(betterAuth.note);
  }
  return { server: version.split(',')[0], results, http, betterAuth, roundTripsPerVerification: 1 };
}

await runSection(opts.out, 'postgres', main);
