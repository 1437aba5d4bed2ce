// The peer on the same PostgreSQL: better-auth's api-key plugin
// (`@better-auth/api-key`, the plugin's own package since better-auth 1.7)
// beside tokenkit's PostgresStore and a bare `SELECT 1`, all on ONE `pg` Pool
// to the same database. Sequential verifications per second with 1k stored
// keys, the plugin's rate limit off, variants interleaved round by round.
//
// better-auth gets its own schema (created here, its tables created by its
// migration API, `getMigrations(options).runMigrations()`), reached through
// the pool's search_path; PostgresStore gets another; both are dropped at the
// end. Used by the `postgres` section of `pnpm bench`, and on its own:
//
//   node bench/postgres/better-auth.mjs [keys=1000] [iterations=2000] [rounds=3]
//
// Needs DATABASE_URL (default: the local test database). PostgresStore is
// loaded from packages/postgres/dist when that is built; without it the
// comparison still runs, better-auth beside `SELECT 1` only.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { load, ROOT } from '../lib/packages.mjs';

export const DEFAULT_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECRET = 'bench-secret-0123456789abcdefghijklmnopqr-better-auth';

/**
 * @param {{url?: string, keys?: number, n?: number, rounds?: number}} options
 * @returns {Promise<object>} medians per variant, or `{ skipped }` with the reason
 */
export async function compareBetterAuth({ url = DEFAULT_URL, keys: KEYS = 1000, n: N = 2000, rounds: ROUNDS = 3 } = {}) {
  let betterAuth;
  let apiKeyPlugin;
  let getMigrations;
  try {
    ({ betterAuth } = await import('better-auth'));
    ({ getMigrations } = await import('better-auth/db/migration'));
    ({ apiKey: apiKeyPlugin } = await import('@better-auth/api-key'));
  } catch (err) {
    return { skipped: `better-auth is not installed (${String(err.message).split('\n')[0]})` };
  }
  const version = packageVersion('better-auth');
  const pluginVersion = packageVersion('@better-auth/api-key');
  const baSchema = `tkbench_ba_${process.pid}`;
  const tkSchema = `tkbench_tk_${process.pid}`;
  // One pool for all three variants. better-auth's Kysely dialect takes the pool
  // itself; the search_path puts its unqualified tables in its own schema.
  const pool = new pg.Pool({ connectionString: url, max: 8, options: `-c search_path=${baSchema}` });
  pool.on('error', () => {});
  let store;
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS "${baSchema}"`);
    const options = {
      database: pool,
      secret: SECRET,
      baseURL: 'http://127.0.0.1:3000',
      logger: { disabled: true },
      telemetry: { enabled: false },
      plugins: [apiKeyPlugin({ rateLimit: { enabled: false } })],
    };
    const { runMigrations } = await getMigrations(options);
    await runMigrations();
    const auth = betterAuth(options);
    const ctx = await auth.$context;
    const user = await ctx.internalAdapter.createUser({ email: `bench-${process.pid}@example.com`, name: 'bench', emailVerified: true });

    // 1k keys through the plugin's own server API (each one hashed and inserted as it would be in an app).
    const baKeys = [];
    for (let i = 0; i < KEYS; i++) {
      const created = await auth.api.createApiKey({ body: { userId: user.id, name: `k${i}`, rateLimitEnabled: false } });
      if (i % Math.max(1, Math.floor(KEYS / 10)) === 0) baKeys.push(created.key);
    }
    const check = await auth.api.verifyApiKey({ body: { key: baKeys[0] } });
    if (!check.valid) throw new Error(`better-auth rejected its own key: ${JSON.stringify(check.error)}`);

    // tokenkit's PostgresStore on the same pool, same number of keys, its own schema.
    let tkVerify;
    const postgresDist = join(ROOT, 'packages', 'postgres', 'dist', 'index.js');
    let tokenkitNote;
    if (existsSync(postgresDist)) {
      const core = await load('core');
      const { PostgresStore } = await import(pathToFileURL(postgresDist).href);
      store = new PostgresStore({ pool, schema: tkSchema, sweepIntervalMs: 0 });
      await store.migrate();
      const apiKeys = new core.ApiKeys({ store, secret: SECRET });
      const tkKeys = [];
      for (let i = 0; i < KEYS; i++) {
        const { key } = await apiKeys.create({ ownerId: `owner${i}` });
        if (i % Math.max(1, Math.floor(KEYS / 10)) === 0) tkKeys.push(key);
      }
      tkVerify = async (i) => {
        const r = await apiKeys.verify(tkKeys[i % tkKeys.length]);
        if (!r.valid) throw new Error(`tokenkit rejected its key: ${r.code}`);
      };
    } else {
      tokenkitNote = 'packages/postgres/dist is not built: PostgresStore not measured in this run';
    }
    const baVerify = async (i) => {
      const r = await auth.api.verifyApiKey({ body: { key: baKeys[i % baKeys.length] } });
      if (!r.valid) throw new Error(`better-auth rejected its key: ${JSON.stringify(r.error)}`);
    };
    const select1 = () => pool.query('SELECT 1');

    const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)];
    async function sequential(op, n) {
      for (let i = 0; i < Math.min(200, n); i++) await op(i);
      const times = [];
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await op(i);
        times.push(performance.now() - t);
      }
      return { perSec: n / ((performance.now() - start) / 1000), p50Ms: pct(times, 0.5) };
    }
    const variants = [
      ['select1', select1],
      ['betterAuth', baVerify],
      ...(tkVerify ? [['tokenkit', tkVerify]] : []),
    ];
    const samples = Object.fromEntries(variants.map(([name]) => [name, []]));
    for (let r = 0; r < ROUNDS; r++) {
      // Rotated each round, so no variant always runs first.
      for (let j = 0; j < variants.length; j++) {
        const [name, op] = variants[(j + r) % variants.length];
        // better-auth is ~10× slower: fewer iterations keep its share of the run's time comparable.
        samples[name].push(await sequential(op, name === 'betterAuth' ? Math.max(100, Math.round(N / 5)) : N));
      }
    }
    const med = (name, pick) => (samples[name]?.length ? pct(samples[name].map(pick), 0.5) : undefined);
    const out = {
      betterAuthVersion: version,
      apiKeyPluginVersion: pluginVersion,
      keys: KEYS,
      rounds: ROUNDS,
      select1PerSec: med('select1', (x) => x.perSec),
      select1P50Ms: med('select1', (x) => x.p50Ms),
      betterAuthPerSec: med('betterAuth', (x) => x.perSec),
      betterAuthP50Ms: med('betterAuth', (x) => x.p50Ms),
      tokenkitPerSec: med('tokenkit', (x) => x.perSec),
      tokenkitP50Ms: med('tokenkit', (x) => x.p50Ms),
      note: tokenkitNote,
    };
    out.tokenkitOverBetterAuth = out.tokenkitPerSec === undefined ? undefined : out.tokenkitPerSec / out.betterAuthPerSec;
    return out;
  } finally {
    await store?.close?.().catch(() => {});
    await pool.query(`DROP SCHEMA IF EXISTS "${baSchema}" CASCADE`).catch(() => {});
    await pool.query(`DROP SCHEMA IF EXISTS "${tkSchema}" CASCADE`).catch(() => {});
    await pool.end();
  }
}

/** @param {string} name @returns {string | undefined} the installed version */
function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [keys = '1000', n = '2000', rounds = '3'] = process.argv.slice(2);
  console.log(JSON.stringify(await compareBetterAuth({ keys: Number(keys), n: Number(n), rounds: Number(rounds) }), null, 2));
}
