/**
 * Shared pieces of the Postgres tests: pools on DATABASE_URL (default the
 * local test database), one schema per run with a random name, a dump of
 * every table of that schema, and cleanup that drops only that schema.
 */
import { tokenUrlsafe } from '@tokenkit/core';
import type { StoreHarness } from '@tokenkit/core/testing';
import { PostgresStore, type PostgresStoreOptions } from '@tokenkit/postgres';
import pg from 'pg';

/** The database the tests use. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** @returns a schema name no other run uses, e.g. `tktest_x3k…` */
export function uniqueSchema(): string {
  return `tktest_${tokenUrlsafe(9).replace(/[^A-Za-z0-9]/g, 'x').toLowerCase()}`;
}

/**
 * @param options - extra pg.Pool options
 * @returns a pool with an 'error' listener (idle connections die in the fault tests)
 */
export function makePool(options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10, ...options });
  pool.on('error', () => {});
  return pool;
}

/**
 * Opens every connection of a pool up front (one `SELECT 1` per slot, all at once).
 *
 * @param pool - a pool; pass `idleTimeoutMillis: 0` to makePool to keep them open
 */
export async function warmPool(pool: pg.Pool): Promise<void> {
  await Promise.all(Array.from({ length: pool.options.max ?? 10 }, () => pool.query('SELECT 1')));
}

/** Every row of every table of `schema`, as text. */
export async function dumpSchema(pool: pg.Pool, schema: string): Promise<string> {
  const tables = await pool.query<{ table_name: string }>(
    'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
    [schema],
  );
  const parts: string[] = [];
  for (const { table_name } of tables.rows) {
    const rows = await pool.query(`SELECT * FROM "${schema}"."${table_name}"`);
    parts.push(`${table_name}: ${JSON.stringify(rows.rows)}`);
  }
  return parts.join('\n');
}

/** A migrated store on its own schema, with its pool, dump and cleanup. */
export interface PostgresHarness extends StoreHarness {
  store: PostgresStore;
  pool: pg.Pool;
  schema: string;
  dump(): Promise<string>;
}

/**
 * @param options - store options (pool and schema are filled in)
 * @param pool - a pool to use (default: a new one, ended by close())
 * @returns a migrated store on a fresh schema
 */
export async function postgresHarness(
  options: Partial<PostgresStoreOptions> = {},
  pool: pg.Pool = makePool(),
): Promise<PostgresHarness> {
  const schema = uniqueSchema();
  const store = new PostgresStore({ pool, schema, sweepIntervalMs: 0, ...options });
  await store.migrate();
  return {
    store,
    pool,
    schema,
    dump: () => dumpSchema(pool, schema),
    close: async () => {
      await store.close();
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
}
