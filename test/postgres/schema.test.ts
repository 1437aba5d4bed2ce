/**
 * migrate(): the shipped sql/schema.sql equals what migrate() runs, it is
 * idempotent, several processes' pools can run it at the same instant, and
 * schema names are validated.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PostgresStore, migrationSql, quoteSchema } from '@tokenkit/postgres';
import { describe, expect, it } from 'vitest';
import { makePool, uniqueSchema } from './harness.js';

const SQL_FILE = fileURLToPath(new URL('../../packages/postgres/sql/schema.sql', import.meta.url));
const HEADER = `-- tokenkit PostgresStore schema (schema "tokenkit"). Generated from packages/postgres/src/schema.ts:
-- the same SQL PostgresStore.migrate() and \`tokenkit migrate\` run. Idempotent; safe to run concurrently.
-- Another schema: replace "tokenkit" throughout, or use \`tokenkit migrate --schema <name>\`.
-- Regenerate: UPDATE_SQL=1 npx vitest run test/postgres/schema.test.ts
`;

describe('schema SQL', () => {
  it('sql/schema.sql is exactly what migrate() runs for schema "tokenkit"', () => {
    const expected = HEADER + migrationSql(quoteSchema('tokenkit'));
    if (process.env.UPDATE_SQL === '1') writeFileSync(SQL_FILE, expected);
    expect(readFileSync(SQL_FILE, 'utf8')).toBe(expected);
  });

  it('rejects schema names that are not plain identifiers', () => {
    const pool = makePool();
    try {
      for (const schema of ['', 'a"b', 'a b', '1abc', 'x;drop', 'a'.repeat(64), 'tk-1']) {
        expect(() => new PostgresStore({ pool, schema })).toThrow(/plain SQL identifier/);
      }
      expect(() => new PostgresStore({ pool, schema: 'Tokenkit_2$', sweepIntervalMs: 0 })).not.toThrow();
    } finally {
      void pool.end();
    }
  });

  it('migrate() is idempotent and 4 pools migrating one schema at once all succeed', async () => {
    const schema = uniqueSchema();
    const pools = Array.from({ length: 4 }, () => makePool({ max: 1 }));
    try {
      const stores = pools.map((pool) => new PostgresStore({ pool, schema, sweepIntervalMs: 0 }));
      await Promise.all(stores.map((store) => store.migrate()));
      await Promise.all(stores.map((store) => store.migrate()));
      await stores[0]?.migrate();
      const tables = await pools[0]?.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
        [schema],
      );
      expect(tables?.rows.map((r) => r.table_name)).toEqual(['counters', 'records', 'redeemers', 'subjects']);
      const store = stores[0] as PostgresStore;
      expect(await store.put('t', { id: 'a', hash: 'v1$x', expiresAt: null }, { ttlMs: null })).toBe(true);
    } finally {
      await pools[0]?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
});
