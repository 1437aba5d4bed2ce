// One of the Postgres race test's worker processes, with its own pg.Pool. It
// runs the BUILT packages (packages/*/dist, as an installed app would);
// races.test.ts rebuilds them first when they are stale. This file opens the
// store; the burst and the protocol are test/helpers/race-burst.mjs.
import pg from 'pg';
import { PostgresStore } from '../../../packages/postgres/dist/index.js';
import { raceBurst } from '../../helpers/race-burst.mjs';

const config = JSON.parse(process.argv[2]);
const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize });
pool.on('error', () => {});
// Open the pool's connections before the start signal, so the burst measures races, not connects.
const warm = await Promise.all(Array.from({ length: config.poolSize }, () => pool.connect()));
for (const client of warm) client.release();
const store = new PostgresStore({ pool, schema: config.schema, timeout: 30_000, sweepIntervalMs: 0 });

raceBurst(config, store, {
  beforeReport: async () => {
    await store.close();
    await pool.end();
  },
});
