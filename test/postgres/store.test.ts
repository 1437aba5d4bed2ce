/**
 * PostgresStore specifics beyond the shared conformance cases: round trips
 * per operation (a pool wrapper counts queries), sweeping, expired rows,
 * pool ownership, the at-rest dump of every table, indexed lookups.
 */
import { ApiKeys, Invitations, ResetTokens } from '@tokenkit/core';
import { PostgresStore } from '@tokenkit/postgres';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePool, type PostgresHarness, postgresHarness } from './harness.js';

const SECRET = 'postgres-secret-0123456789abcdefghijklmn';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A pool whose checked-out clients count every query they send, with its text. */
function countingPool(pool: pg.Pool): { pool: pg.Pool; queries: string[] } {
  const queries: string[] = [];
  const wrapped = new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop !== 'connect') return Reflect.get(target, prop, receiver);
      return async () => {
        const client = await target.connect();
        return new Proxy(client, {
          get(c, p, r) {
            if (p !== 'query') return Reflect.get(c, p, r);
            return (config: string | { text: string }, ...rest: unknown[]) => {
              queries.push(typeof config === 'string' ? config : config.text);
              return (c.query as (...args: unknown[]) => unknown)(config, ...rest);
            };
          },
        });
      };
    },
  });
  return { pool: wrapped, queries };
}

let harness: PostgresHarness;
beforeAll(async () => {
  harness = await postgresHarness();
});
afterAll(async () => {
  await harness?.close();
});

describe.each([false, true])('PostgresStore round trips (preparedStatements: %s)', (preparedStatements) => {
  it('one query per verification (plain, scoped, metered, rate-limited), per consume and per redeem', async () => {
    const counting = countingPool(harness.pool);
    const store = new PostgresStore({ pool: counting.pool, schema: harness.schema, sweepIntervalMs: 0, preparedStatements });
    const apiKeys = new ApiKeys({ store, secret: SECRET });
    const resets = new ResetTokens({ store, secret: SECRET });
    const invites = new Invitations({ store, secret: SECRET });
    const plain = await apiKeys.create({ ownerId: 'rt', scopes: ['read'] });
    const metered = await apiKeys.create({ ownerId: 'rt', remaining: 5 });
    const limited = await apiKeys.create({ ownerId: 'rt', rateLimit: { limit: 100, window: '1m' } });
    const { token } = await resets.issue('rt-user');
    const { code } = await invites.create({ createdBy: 'rt-admin', maxUses: 3 });

    const measure = async (op: () => Promise<{ valid: boolean }>) => {
      counting.queries.length = 0;
      const result = await op();
      expect(result.valid).toBe(true);
      // Exactly one of them is the race-able change (or the verification) itself.
      expect(counting.queries.filter((q) => /\.(use|consume)\(/.test(q))).toHaveLength(1);
      return counting.queries.length;
    };
    // The first verification of a key may also write its lastUsedAt; count steady-state ones.
    await apiKeys.verify(plain.key);
    await apiKeys.verify(metered.key);
    await apiKeys.verify(limited.key);
    await sleep(50);
    const counts = {
      verify: await measure(() => apiKeys.verify(plain.key)),
      verifyScoped: await measure(() => apiKeys.verify(plain.key, { scopes: ['read'] })),
      verifyMetered: await measure(() => apiKeys.verify(metered.key)),
      verifyRateLimited: await measure(() => apiKeys.verify(limited.key)),
      consume: await measure(() => resets.consume(token)),
      redeem: await measure(() => invites.redeem(code, { userId: 'rt-u1' })),
    };
    console.log(`round trips per operation: ${JSON.stringify(counts)}`);
    expect(counts.verify).toBe(1);
    expect(counts.verifyScoped).toBe(1);
    expect(counts.verifyMetered).toBe(1);
    expect(counts.verifyRateLimited).toBe(1);
    // ResetTokens.consume: the one consume() call, then the manager's own cleanup of the user index.
    expect(counts.consume).toBeLessThanOrEqual(2);
    expect(counts.redeem).toBe(1);
    expect(counting.queries.some((q) => /\b(BEGIN|COMMIT)\b/i.test(q))).toBe(false);
  });
});

describe('PostgresStore expiry and sweeping', () => {
  it('reads ignore rows past expires_at before any sweep; sweep() deletes them in batches', async () => {
    const store = new PostgresStore({ pool: harness.pool, schema: harness.schema, sweepIntervalMs: 0, sweepBatchSize: 7 });
    for (let i = 0; i < 30; i++) {
      await store.put('sw', { id: `dead${i}`, hash: 'v1$x', expiresAt: null, maxUses: 2 }, { ttlMs: 300 });
      expect((await store.use('sw', `dead${i}`, { hashes: ['v1$x'], now: Date.now(), subject: 'u' })).ok).toBe(true);
      await store.indexAdd('sw', 'subject', `dead${i}`, 300);
      await store.hit('sw', `w${i}`, 300);
    }
    await store.put('sw', { id: 'alive', hash: 'v1$x', expiresAt: null }, { ttlMs: 60_000 });
    await sleep(400);
    expect(await store.get('sw', 'dead0')).toBeNull();
    expect(await store.indexMembers('sw', 'subject')).toEqual([]);
    const count = async (table: string) =>
      Number(
        (await harness.pool.query(`SELECT count(*) AS n FROM "${harness.schema}".${table} WHERE ns = 'sw'`)).rows[0].n,
      );
    expect(await count('records')).toBe(31);
    expect(await count('redeemers')).toBe(30);
    const deleted = await store.sweep();
    expect(deleted).toBeGreaterThanOrEqual(90);
    expect(await count('records')).toBe(1);
    expect(await count('redeemers')).toBe(0);
    expect(await count('subjects')).toBe(0);
    expect(await count('counters')).toBe(0);
    expect(await store.get('sw', 'alive')).not.toBeNull();
  });

  it('the sweep timer runs unref’d and close() stops it; close() never ends a pool it did not create', async () => {
    const pool = makePool({ max: 2 });
    try {
      const store = new PostgresStore({ pool, schema: harness.schema, sweepIntervalMs: 40 });
      await store.put('sw2', { id: 'gone', hash: 'v1$x', expiresAt: null }, { ttlMs: 10 });
      await sleep(250);
      const rows = await pool.query(`SELECT count(*) AS n FROM "${harness.schema}".records WHERE ns = 'sw2'`);
      expect(Number(rows.rows[0].n)).toBe(0);
      await store.close();
      expect(pool.ended).toBe(false);
      expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('a store created from a connection string owns its pool and ends it in close()', async () => {
    const store = new PostgresStore({
      connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      schema: harness.schema,
      sweepIntervalMs: 0,
    });
    await store.put('own', { id: 'a', hash: 'v1$x', expiresAt: null }, { ttlMs: 60_000 });
    expect(await store.get('own', 'a')).toMatchObject({ id: 'a' });
    await store.close();
  });
});

describe('PostgresStore at rest and indexes', () => {
  it('no table holds a raw credential or a secret part after issuing keys, tokens and invitations', async () => {
    const { store } = harness;
    const apiKeys = new ApiKeys({ store, secret: SECRET });
    const resets = new ResetTokens({ store, secret: SECRET, onIssue: 'keep' });
    const invites = new Invitations({ store, secret: SECRET });
    const issued: string[] = [];
    for (let i = 0; i < 30; i++) {
      issued.push((await apiKeys.create({ ownerId: `o${i % 3}`, remaining: 5, rateLimit: { limit: 5, window: '1m' } })).key);
      issued.push((await resets.issue(`u${i % 4}`)).token);
      const { code } = await invites.create({ createdBy: 'admin', maxUses: 3, email: `x${i}@example.com` });
      issued.push(code);
      await apiKeys.verify(issued[issued.length - 3] as string);
      await invites.redeem(code, { userId: `r${i}`, email: `x${i}@example.com` });
    }
    const dump = await harness.dump();
    for (const table of ['records', 'redeemers', 'subjects', 'counters']) expect(dump).toContain(`${table}: [{`);
    for (const credential of issued) {
      const body = credential.slice(credential.lastIndexOf('_') + 1);
      expect(dump.includes(credential)).toBe(false);
      expect(dump.includes(body.slice(10, 42))).toBe(false);
      expect(dump.includes(body.slice(20, 32))).toBe(false);
    }
  });

  it('record, redeemer, subject and counter lookups use their B-tree indexes', async () => {
    const s = `"${harness.schema}"`;
    const plans: Record<string, string> = {
      record: `SELECT data FROM ${s}.records WHERE ns = 'key' AND id = 'x'`,
      owner: `SELECT id FROM ${s}.records WHERE ns = 'key' AND subject = 'o1'`,
      redeemer: `SELECT 1 FROM ${s}.redeemers WHERE ns = 'inv' AND id = 'x' AND subject = 'u'`,
      subject: `SELECT id FROM ${s}.subjects WHERE ns = 'rst' AND subject = 'u1'`,
      counter: `SELECT count FROM ${s}.counters WHERE kind = 0 AND ns = 'w' AND key = 'k'`,
    };
    const client = await harness.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off');
      for (const [name, sql] of Object.entries(plans)) {
        const plan = (await client.query(`EXPLAIN ${sql}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(plan, name).toMatch(/Index|Bitmap/);
      }
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
