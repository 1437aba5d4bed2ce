// PostgresStore verification speed beside `SELECT 1` on the same pool, at N
// stored keys: sequential (p50, per second) and 32 in flight, with the default
// (unnamed, PgBouncer-safe) statements and with `preparedStatements`. Used by
// the `postgres` section of `pnpm bench` (bench/postgres/index.mjs), and on its
// own: node bench/postgres/measure.mjs [keys=1000] [iterations=3000]
// Needs `pnpm build` (imports packages/*/dist) and DATABASE_URL (default: the
// local test database). Creates its own schema and drops it at the end.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ApiKeys } from '../../packages/core/dist/index.js';
import { PostgresStore } from '../../packages/postgres/dist/index.js';

export const DEFAULT_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * @param {{ url?: string, keys: number, n: number, rounds?: number }} options
 * @returns {Promise<object>} medians per variant
 */
export async function measure({ url = DEFAULT_URL, keys: KEYS, n: N, rounds: ROUNDS = 3 }) {
const schema = `tkbench_${process.pid}_${KEYS}`;
const pool = new pg.Pool({ connectionString: url, max: 8 });
pool.on('error', () => {});
const store = new PostgresStore({ pool, schema, sweepIntervalMs: 0 });
try {
await store.migrate();
const apiKeys = new ApiKeys({ store, secret: 'bench-secret-0123456789abcdefghijklmnopqr' });
// The same keys through a store with named prepared statements (direct connections only).
const preparedStore = new PostgresStore({ pool, schema, sweepIntervalMs: 0, preparedStatements: true });
const preparedKeys = new ApiKeys({ store: preparedStore, secret: 'bench-secret-0123456789abcdefghijklmnopqr' });
const keys = [];
const fill = async (from, to) => {
  // Bulk rows straight into the table (issuing through the manager would take minutes at 1M).
  const batch = 5000;
  for (let i = from; i < to; i += batch) {
    const n = Math.min(batch, to - i);
    await pool.query(
      `INSERT INTO "${schema}".records (ns, id, data) SELECT 'key', 'fill' || g, jsonb_build_object('id', 'fill' || g, 'hash', 'v1$' || md5(g::text), 'expiresAt', null, 'ownerId', 'o' || (g % 1000)) FROM generate_series($1::int, $2::int) g`,
      [i, i + n - 1],
    );
  }
};
if (KEYS > 10) await fill(0, KEYS - 10);
for (let i = 0; i < 10; i++) keys.push((await apiKeys.create({ ownerId: `bench${i}` })).key);
await pool.query(`ANALYZE "${schema}".records`);

const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)];
async function sequential(op) {
  for (let i = 0; i < 200; i++) await op(i);
  const times = [];
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await op(i);
    times.push(performance.now() - t);
  }
  return { perSec: Math.round(N / ((performance.now() - start) / 1000)), p50: pct(times, 0.5), p99: pct(times, 0.99) };
}
async function concurrent(op, inFlight = 32) {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < N) await op(next++);
    }),
  );
  return Math.round(N / ((performance.now() - start) / 1000));
}

const verify = async (i) => {
  const r = await apiKeys.verify(keys[i % keys.length]);
  if (!r.valid) throw new Error(`invalid: ${r.code}`);
};
const verifyPrepared = async (i) => {
  const r = await preparedKeys.verify(keys[i % keys.length]);
  if (!r.valid) throw new Error(`invalid: ${r.code}`);
};
const select1 = () => pool.query('SELECT 1');
const rounds = [];
// Variants interleaved round by round; medians across rounds.
for (let round = 0; round < ROUNDS; round++) {
  rounds.push({ select1: await sequential(select1), verify: await sequential(verify), prepared: await sequential(verifyPrepared) });
}
const med = (pick) => pct(rounds.map(pick), 0.5);
const result = {
  keys: KEYS,
  sequential: {
    select1PerSec: med((r) => r.select1.perSec),
    verifyPerSec: med((r) => r.verify.perSec),
    select1P50Ms: +med((r) => r.select1.p50).toFixed(3),
    verifyP50Ms: +med((r) => r.verify.p50).toFixed(3),
    verifyP50OverSelect1: +(med((r) => r.verify.p50) / med((r) => r.select1.p50)).toFixed(2),
    preparedVerifyPerSec: med((r) => r.prepared.perSec),
    preparedVerifyP50Ms: +med((r) => r.prepared.p50).toFixed(3),
    preparedP50OverSelect1: +(med((r) => r.prepared.p50) / med((r) => r.select1.p50)).toFixed(2),
  },
  inFlight32: {
    select1PerSec: await concurrent(select1),
    verifyPerSec: await concurrent(verify),
    preparedVerifyPerSec: await concurrent(verifyPrepared),
  },
};
return result;
} finally {
  await store.close();
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
  await pool.end();
}
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await measure({ keys: Number(process.argv[2] ?? 1000), n: Number(process.argv[3] ?? 3000) })));
}
