// One of the Postgres race test's worker processes, with its own pg.Pool. It
// runs the BUILT packages (packages/*/dist, as an installed app would);
// races.test.ts rebuilds them first when they are stale.
// Protocol: argv[2] = JSON config; sends { ready } once connected, waits for
// { startAt }, fires every operation concurrently, sends { results }, exits.
import pg from 'pg';
import { ApiKeys, Invitations, ResetTokens } from '../../../packages/core/dist/index.js';
import { PostgresStore } from '../../../packages/postgres/dist/index.js';

const config = JSON.parse(process.argv[2]);
const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize });
pool.on('error', () => {});
// Open the pool's connections before the start signal, so the burst measures races, not connects.
const warm = await Promise.all(Array.from({ length: config.poolSize }, () => pool.connect()));
for (const client of warm) client.release();
const store = new PostgresStore({ pool, schema: config.schema, timeout: 30_000, sweepIntervalMs: 0 });
const resets = new ResetTokens({ store, secret: config.secret });
const invites = new Invitations({ store, secret: config.secret });
const apiKeys = new ApiKeys({ store, secret: config.secret });

const tally = async (promises) => {
  const settled = await Promise.allSettled(promises);
  const out = { valid: 0, invalid: {}, errors: [] };
  for (const s of settled) {
    if (s.status === 'rejected') out.errors.push(String(s.reason?.message ?? s.reason));
    else if (s.value.valid) out.valid++;
    else out.invalid[s.value.code] = (out.invalid[s.value.code] ?? 0) + 1;
  }
  return out;
};

process.once('message', async ({ startAt }) => {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now() - 5)));
  while (Date.now() < startAt) {}
  // Everything in flight together, interleaved by kind, so the four
  // processes' pools really compete for the same rows.
  const reset = [];
  const invite = [];
  const apiKey = [];
  for (let i = 0; i < config.ops; i++) {
    reset.push(resets.consume(config.token));
    invite.push(invites.redeem(config.code, { userId: `w${config.worker}-u${i}` }));
    apiKey.push(apiKeys.verify(config.key));
    if (i % 5 === 4) await new Promise((resolve) => setImmediate(resolve));
  }
  const results = { reset: await tally(reset), invite: await tally(invite), apiKey: await tally(apiKey) };
  await store.close();
  await pool.end();
  process.send({ results }, () => process.disconnect());
});
process.send({ ready: true });
