/**
 * Fail closed, recover by itself: a refused port, a pool exhausted past the
 * timeout, statement_timeout (a test hook turns the verification query into
 * pg_sleep), the store's backend killed mid-query (pg_terminate_backend), a
 * query stuck on a row lock past the timeout, and a private PostgreSQL
 * cluster stopped and restarted. Each gives StoreUnavailableError within the
 * timeout, never a valid result; the next call after the fault works again.
 */
import { performance } from 'node:perf_hooks';
import { ApiKeys, isStoreUnavailableError } from '@tokenkit/core';
import { isUnmigratedSchemaError, PostgresStore } from '@tokenkit/postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivatePostgres, postgresBinDir } from '../helpers/postgres-server.js';
import { makePool, type PostgresHarness, postgresHarness, uniqueSchema } from './harness.js';

const SECRET = 'fault-secret-0123456789abcdefghijklmnopq';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `op`; @returns how it ended and after how many ms. */
async function timed(op: () => Promise<unknown>): Promise<{ ms: number; outcome: 'ok' | 'unavailable' | 'other'; error?: unknown }> {
  const start = performance.now();
  try {
    await op();
    return { ms: performance.now() - start, outcome: 'ok' };
  } catch (error) {
    const unavailable = isStoreUnavailableError(error) && error.retryable;
    return { ms: performance.now() - start, outcome: unavailable ? 'unavailable' : 'other', error };
  }
}

let harness: PostgresHarness;
beforeAll(async () => {
  harness = await postgresHarness();
});
afterAll(async () => {
  await harness?.close();
});

describe('PostgresStore fails closed', () => {
  it('connection refused → StoreUnavailableError at once', async () => {
    const pool = makePool({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
    const store = new PostgresStore({ pool, schema: harness.schema, timeout: 1000, sweepIntervalMs: 0 });
    const apiKeys = new ApiKeys({ store, secret: SECRET });
    const result = await timed(() => apiKeys.verify(`sk_${'a'.repeat(40)}`).then(() => store.get('key', 'x')));
    expect(result.outcome).toBe('unavailable');
    expect(result.ms).toBeLessThan(1000);
    await pool.end();
  });

  it('an unmigrated schema is a StoreUnavailableError that isUnmigratedSchemaError tells from an outage', async () => {
    const caught = async (store: PostgresStore) => store.get('key', 'x').then(() => undefined, (err: unknown) => err);
    const pool = makePool();
    // Never migrated: the schema does not exist, and nothing here creates it.
    const missing = await caught(new PostgresStore({ pool, schema: uniqueSchema(), timeout: 1000, sweepIntervalMs: 0 }));
    expect(isStoreUnavailableError(missing)).toBe(true);
    expect(isUnmigratedSchemaError(missing)).toBe(true);
    expect((missing as Error).message).toMatch(/tokenkit migrate/);
    await pool.end();
    const refusedPool = makePool({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
    const refused = await caught(new PostgresStore({ pool: refusedPool, schema: harness.schema, timeout: 1000, sweepIntervalMs: 0 }));
    expect(isStoreUnavailableError(refused)).toBe(true);
    expect(isUnmigratedSchemaError(refused)).toBe(false);
    expect(isUnmigratedSchemaError(new Error('42P01'))).toBe(false);
    await refusedPool.end();
  });

  it('pool exhausted past the timeout → StoreUnavailableError at the timeout; works once a client is free', async () => {
    const pool = makePool({ max: 1 });
    const store = new PostgresStore({ pool, schema: harness.schema, timeout: 300, sweepIntervalMs: 0 });
    await store.put('f', { id: 'a', hash: 'v1$x', expiresAt: null }, { ttlMs: 60_000 });
    const held = await pool.connect();
    const result = await timed(() => store.get('f', 'a'));
    expect(result.outcome).toBe('unavailable');
    expect(result.ms).toBeGreaterThanOrEqual(280);
    expect(result.ms).toBeLessThan(800);
    held.release();
    await sleep(20);
    // The connection the timed-out call was still waiting for went straight back to the pool.
    expect(pool.waitingCount).toBe(0);
    expect(await store.get('f', 'a')).toMatchObject({ id: 'a' });
    await pool.end();
  });

  it('statement_timeout cancels a slow verification → StoreUnavailableError before the store timeout; then recovers', async () => {
    let slow = true;
    const base = makePool({ statement_timeout: 150 });
    // Test hook: while `slow`, the store's use() query becomes a 2 s pg_sleep.
    const pool = new Proxy(base, {
      get(target, prop, receiver) {
        if (prop !== 'connect') return Reflect.get(target, prop, receiver);
        return async () => {
          const client = await target.connect();
          const query = client.query.bind(client) as (config: unknown) => Promise<unknown>;
          return Object.assign(Object.create(client), {
            query: (config: { text?: string }) =>
              query(slow && config.text?.includes('.use(') ? 'SELECT pg_sleep(2)' : config),
            release: (err?: Error | boolean) => client.release(err),
          });
        };
      },
    });
    const store = new PostgresStore({ pool, schema: harness.schema, timeout: 1000, sweepIntervalMs: 0 });
    const apiKeys = new ApiKeys({ store, secret: SECRET });
    const { key } = await apiKeys.create({ ownerId: 'st' });
    const result = await timed(() => apiKeys.verify(key));
    expect(result.outcome).toBe('unavailable');
    expect(result.ms).toBeLessThan(900);
    expect(String((result.error as Error).message)).toMatch(/statement timeout|57014/);
    slow = false;
    expect((await apiKeys.verify(key)).valid).toBe(true);
    await base.end();
  });

  it("the store's backend killed mid-query (pg_terminate_backend) → StoreUnavailableError at once; the next call works", async () => {
    const pool = makePool({ max: 2 });
    const store = new PostgresStore({ pool, schema: harness.schema, timeout: 5000, sweepIntervalMs: 0 });
    const record = { id: `lk${Date.now()}`, hash: 'v1$x', expiresAt: null, maxUses: 5, uses: 0 };
    await store.put('f', record, { ttlMs: 60_000 });
    const locker = await harness.pool.connect();
    try {
      // Hold the row lock so the counted use waits inside Postgres: a query really in flight.
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM "${harness.schema}".records WHERE ns = 'f' AND id = $1 FOR UPDATE`, [record.id]);
      const pending = timed(() => store.use('f', record.id, { hashes: ['v1$x'], now: Date.now(), subject: 'u1' }));
      let pid: number | undefined;
      for (let i = 0; i < 100 && pid === undefined; i++) {
        await sleep(20);
        const rows = await harness.pool.query(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
             AND query LIKE '%"${harness.schema}".use(%'`,
        );
        pid = rows.rows[0]?.pid;
      }
      expect(pid).toBeTypeOf('number');
      const killedAt = performance.now();
      await harness.pool.query('SELECT pg_terminate_backend($1)', [pid]);
      const result = await pending;
      expect(result.outcome).toBe('unavailable');
      expect(performance.now() - killedAt).toBeLessThan(1000);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    const again = await store.use('f', record.id, { hashes: ['v1$x'], now: Date.now(), subject: 'u2' });
    expect(again.ok).toBe(true);
    await pool.end();
  });

  it('a query stuck on a lock past the timeout → StoreUnavailableError at the timeout; its connection is discarded', async () => {
    const pool = makePool({ max: 2 });
    const store = new PostgresStore({ pool, schema: harness.schema, timeout: 300, sweepIntervalMs: 0 });
    const record = { id: `st${Date.now()}`, hash: 'v1$x', expiresAt: null, maxUses: 5, uses: 0 };
    await store.put('f', record, { ttlMs: 60_000 });
    const locker = await harness.pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM "${harness.schema}".records WHERE ns = 'f' AND id = $1 FOR UPDATE`, [record.id]);
      const result = await timed(() => store.use('f', record.id, { hashes: ['v1$x'], now: Date.now() }));
      expect(result.outcome).toBe('unavailable');
      expect(result.ms).toBeGreaterThanOrEqual(280);
      expect(result.ms).toBeLessThan(800);
      expect(pool.totalCount).toBe(0);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    expect((await store.get('f', record.id))?.id).toBe(record.id);
    await pool.end();
  });
});

describe.skipIf(postgresBinDir() === null)('PostgresStore across a PostgreSQL stop and restart (private cluster)', () => {
  let server: PrivatePostgres;
  beforeAll(async () => {
    server = await PrivatePostgres.start();
  }, 120_000);
  afterAll(() => {
    server?.dispose();
  });

  it('verifications fail closed while it is down and succeed again by themselves after the restart', async () => {
    const pool = new pg.Pool({ connectionString: server.url, max: 4, connectionTimeoutMillis: 500 });
    pool.on('error', () => {});
    const store = new PostgresStore({ pool, schema: uniqueSchema(), timeout: 500, sweepIntervalMs: 0 });
    await store.migrate();
    const apiKeys = new ApiKeys({ store, secret: SECRET });
    const { key } = await apiKeys.create({ ownerId: 'restart', remaining: 100 });
    expect((await apiKeys.verify(key)).valid).toBe(true);

    server.stop();
    for (let i = 0; i < 3; i++) {
      const down = await timed(() => apiKeys.verify(key));
      expect(down.outcome).toBe('unavailable');
      expect(down.ms).toBeLessThan(700);
    }

    server.startServer();
    const restartedAt = performance.now();
    let recovered = false;
    while (!recovered && performance.now() - restartedAt < 10_000) {
      const attempt = await timed(() => apiKeys.verify(key));
      expect(attempt.outcome).not.toBe('other');
      recovered = attempt.outcome === 'ok';
      if (!recovered) await sleep(100);
    }
    expect(recovered).toBe(true);
    console.log(`recovered ${Math.round(performance.now() - restartedAt)} ms after the restart`);
    expect((await apiKeys.get((await apiKeys.list({ ownerId: 'restart' }))[0]?.id as string))?.remaining).toBeLessThan(100);
    await store.close();
    await pool.end();
  }, 120_000);
});
