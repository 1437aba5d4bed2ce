/**
 * Zero round trips for a cached unmetered key, kept exact by Redis
 * server-assisted invalidation (CLIENT TRACKING … BCAST on the store's own
 * connections). Two RedisStore instances on separate connections play two
 * app servers. Every "seen by the other server" assertion waits for the
 * invalidation of that exact key to reach the store (an observer on the
 * store's cache), never for a fixed time, and then requires a refusal.
 */
import { ApiKeys, tokenUrlsafe, type StoredRecord, type UseResult } from '@tokenkit/core';
import { RedisStore } from '@tokenkit/redis';
import fc from 'fast-check';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisCluster, RedisServer } from '../helpers/redis-server.js';
import { SHARED_REDIS_URL, connectCluster, connectRedis, deletePrefix, uniquePrefix } from './harness.js';

const SECRET = 'tracking-secret-0123456789abcdefghijklmno';

/** Counts the commands a client sends (every ioredis command, scripts included, goes through sendCommand). */
function countCommands(client: Redis | Cluster): { readonly count: number } {
  const counter = { count: 0 };
  const original = client.sendCommand.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { sendCommand: (...args: unknown[]) => unknown }).sendCommand = (...args: unknown[]) => {
    counter.count++;
    return original(...args);
  };
  return counter;
}

/** Resolves once `store` has received the invalidation of `key` (or a flush). */
function invalidationOf(store: RedisStore, key: string): { seen: () => boolean; arrived: Promise<void> } {
  let seen = false;
  let resolve!: () => void;
  const arrived = new Promise<void>((r) => {
    resolve = r;
  });
  const off = store.clientCache.observe((k) => {
    if (k === key || k === null) {
      seen = true;
      off();
      resolve();
    }
  });
  return { seen: () => seen, arrived };
}

interface Side {
  store: RedisStore;
  apiKeys: ApiKeys;
  counter: { readonly count: number };
}

/** Verifies until a verification costs zero commands (the copy is trusted). */
async function warmUntilFree(side: Side, key: string, scopes?: string[]): Promise<void> {
  await expect
    .poll(
      async () => {
        const before = side.counter.count;
        const result = await side.apiKeys.verify(key, scopes ? { scopes } : {});
        expect(result.valid).toBe(true);
        return side.counter.count - before;
      },
      { timeout: 5000, interval: 2 },
    )
    .toBe(0);
}

/**
 * Runs `mutate`, then verifies on `side` until refused (bounded): any
 * verification that starts after the invalidation arrived must be refused
 * with `code`; acceptance before that is the documented window.
 */
async function refusedOnceInvalidated(side: Side, recordKey: string, key: string, mutate: () => Promise<unknown>, code: string): Promise<void> {
  const invalidation = invalidationOf(side.store, recordKey);
  await mutate();
  const deadline = Date.now() + 5000;
  for (;;) {
    const afterInvalidation = invalidation.seen();
    const result = await side.apiKeys.verify(key);
    if (afterInvalidation) {
      expect(result).toEqual({ valid: false, code });
      return;
    }
    if (!result.valid) {
      expect(result.code).toBe(code);
      await invalidation.arrived;
      expect(await side.apiKeys.verify(key)).toEqual({ valid: false, code });
      return;
    }
    if (Date.now() > deadline) throw new Error('the invalidation never arrived');
    await new Promise((r) => setImmediate(r));
  }
}

describe('RedisStore client tracking (standalone, shared Redis, unique prefix)', () => {
  let prefix: string;
  let clients: Redis[];
  let raw: Redis;
  let here: Side;
  let there: Side;

  beforeAll(async () => {
    prefix = uniquePrefix();
    clients = [await connectRedis(SHARED_REDIS_URL), await connectRedis(SHARED_REDIS_URL)];
    raw = await connectRedis(SHARED_REDIS_URL);
    const side = (client: Redis): Side => {
      const store = new RedisStore({ client, prefix });
      return { store, apiKeys: new ApiKeys({ store, secret: SECRET }), counter: countCommands(client) };
    };
    here = side(clients[0]!);
    there = side(clients[1]!);
    expect(await here.store.clientCache.whenTrusted(5000)).toBe(true);
    expect(await there.store.clientCache.whenTrusted(5000)).toBe(true);
  });
  afterAll(async () => {
    await here?.store.close();
    await there?.store.close();
    if (raw) await deletePrefix(raw, prefix);
    for (const client of [...(clients ?? []), raw]) await client?.quit();
  });

  const recordKey = (id: string) => here.store.keys.record('key', id);
  let markers = 0;

  it('a cached unmetered key costs zero commands; metered keys always run one script', async () => {
    const { key, apiKey } = await here.apiKeys.create({ ownerId: 'z1', scopes: ['read'] });
    await warmUntilFree(here, key);
    // A trusted copy answers in this tick — the result itself, not a promise (as MemoryStore does) —
    // so the guard finishes without a promise hop. Polled: a PONG delayed past the lease makes one answer go to Redis.
    const stored = await here.store.get<StoredRecord>('key', apiKey.id);
    await expect
      .poll(
        async () => {
          const answer = here.store.use<StoredRecord>('key', apiKey.id, { hashes: [stored!.hash], now: Date.now() });
          if (answer instanceof Promise) {
            await answer;
            return 'a promise';
          }
          const result = answer as UseResult<StoredRecord>;
          return result.ok ? 'the result itself' : `refused: ${result.reason}`;
        },
        { timeout: 10_000, interval: 5 },
      )
      .toBe('the result itself');
    // Until one run of 200 falls wholly inside the trust lease (a PONG delayed on a loaded machine lapses it briefly).
    await expect
      .poll(
        async () => {
          const before = here.counter.count;
          for (let i = 0; i < 200; i++) expect((await here.apiKeys.verify(key, { scopes: ['read'] })).valid).toBe(true);
          expect(await here.apiKeys.verify(key, { scopes: ['admin'] })).toEqual({ valid: false, code: 'INSUFFICIENT_SCOPE' });
          return here.counter.count - before;
        },
        { timeout: 10_000, interval: 5 },
      )
      .toBe(0);

    const metered = await here.apiKeys.create({ ownerId: 'z1', remaining: 1000, rateLimit: { limit: 1000, window: '1m' } });
    await here.apiKeys.verify(metered.key);
    await here.apiKeys.verify(metered.key);
    const start = here.counter.count;
    for (let i = 0; i < 10; i++) expect((await here.apiKeys.verify(metered.key)).valid).toBe(true);
    expect(here.counter.count - start).toBe(10);
  });

  it('revoke, rotate, expiry by update and delete by another server are refused once their invalidation arrives', async () => {
    const cases: Array<[string, (id: string) => Promise<unknown>, string]> = [
      ['revoke', (id) => there.apiKeys.revoke(id), 'REVOKED'],
      ['rotate', (id) => there.apiKeys.rotate(id), 'EXPIRED'],
      ['expire', (id) => there.store.update<StoredRecord>('key', id, { expiresAt: Date.now() - 1 }), 'EXPIRED'],
      ['delete', (id) => there.store.delete('key', id), 'NOT_FOUND'],
    ];
    for (const [name, mutate, code] of cases) {
      const { key, apiKey } = await here.apiKeys.create({ ownerId: `m-${name}` });
      await warmUntilFree(here, key);
      await refusedOnceInvalidated(here, recordKey(apiKey.id), key, () => mutate(apiKey.id), code);
    }
  });

  it('hand edits with a raw client (HSET without touching the version, DEL) are refused once their invalidation arrives', async () => {
    const a = await here.apiKeys.create({ ownerId: 'hand' });
    await warmUntilFree(here, a.key);
    await refusedOnceInvalidated(here, recordKey(a.apiKey.id), a.key, () => raw.hset(recordKey(a.apiKey.id), 'revokedAt', String(Date.now())), 'REVOKED');
    const b = await here.apiKeys.create({ ownerId: 'hand' });
    await warmUntilFree(here, b.key);
    await refusedOnceInvalidated(here, recordKey(b.apiKey.id), b.key, () => raw.del(recordKey(b.apiKey.id)), 'NOT_FOUND');
  });

  it('killing the invalidation connection empties the cache at once; verifications go to Redis until tracking is back, then start from empty', async () => {
    const store = here.store;
    const { key } = await here.apiKeys.create({ ownerId: 'kill' });
    await warmUntilFree(here, key);
    expect(store.clientCache.size).toBeGreaterThan(0);
    const [id] = store.clientCache.connectionIds;
    const resets = store.clientCache.resets;
    expect(await raw.client('KILL', 'ID', String(id))).toBe(1);
    // The close reaches the store: trust is withdrawn and the cache emptied in the same step.
    await expect.poll(() => store.clientCache.resets, { interval: 1 }).toBeGreaterThan(resets);
    const down = store.clientCache;
    if (!down.trusted) {
      expect(down.size).toBe(0);
      const before = here.counter.count;
      expect((await here.apiKeys.verify(key)).valid).toBe(true);
      expect(here.counter.count - before).toBeGreaterThanOrEqual(1);
    }
    // A fresh connection subscribes again (a new client id) and the cache starts empty.
    expect(await store.clientCache.whenTrusted(5000)).toBe(true);
    expect(store.clientCache.connectionIds).not.toContain(id);
    const before = here.counter.count;
    expect((await here.apiKeys.verify(key)).valid).toBe(true);
    expect(here.counter.count - before).toBeGreaterThanOrEqual(1);
    await warmUntilFree(here, key);
  });

  it('clientTracking: false opens no connection and keeps the one-HGET check', async () => {
    const store = new RedisStore({ client: clients[0]!, prefix, clientTracking: false });
    expect(store.clientCache.enabled).toBe(false);
    expect(store.clientCache.connectionIds).toEqual([]);
    expect(await store.clientCache.whenTrusted(10)).toBe(false);
    await store.close();
  });

  it("an ioredis keyPrefix (not applied to CLIENT TRACKING's PREFIX) turns the zero-round-trip cache off; a revoke elsewhere is refused at once", async () => {
    const prefixed = await connectRedis(SHARED_REDIS_URL, { keyPrefix: `${prefix}kp:` });
    const plain = await connectRedis(SHARED_REDIS_URL, { keyPrefix: `${prefix}kp:` });
    const store = new RedisStore({ client: prefixed, prefix });
    const other = new RedisStore({ client: plain, prefix, clientTracking: false });
    try {
      expect(store.clientCache.enabled).toBe(false);
      expect(store.clientCache.connectionIds).toEqual([]);
      const apiKeys = new ApiKeys({ store, secret: SECRET });
      const { key, apiKey } = await apiKeys.create({ ownerId: 'kp' });
      for (let i = 0; i < 5; i++) expect((await apiKeys.verify(key)).valid).toBe(true);
      await new ApiKeys({ store: other, secret: SECRET }).revoke(apiKey.id);
      expect(await apiKeys.verify(key)).toEqual({ valid: false, code: 'REVOKED' });
    } finally {
      await store.close();
      await other.close();
      await deletePrefix(raw, `${prefix}kp:`);
      await prefixed.quit();
      await plain.quit();
    }
  });

  it('property: interleaved revoke/rotate/scope changes/expiry never let a cached verification accept what the store refuses', async () => {
    // The reference: a store that always runs the script (no cache at all).
    const reference = new ApiKeys({ store: new RedisStore({ client: clients[1]!, prefix, recordCache: 0 }), secret: SECRET });
    const op = fc.oneof(
      fc.record({ kind: fc.constant('verify' as const), i: fc.nat(2), scope: fc.constantFrom(undefined, 'read', 'write') }),
      fc.record({ kind: fc.constant('revoke' as const), i: fc.nat(2) }),
      fc.record({ kind: fc.constant('rotate' as const), i: fc.nat(2), grace: fc.boolean() }),
      fc.record({ kind: fc.constant('scopes' as const), i: fc.nat(2), scopes: fc.subarray(['read', 'write']) }),
      fc.record({ kind: fc.constant('expire' as const), i: fc.nat(2) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 4, maxLength: 24 }), async (ops) => {
        const keys: Array<{ id: string; all: string[] }> = [];
        for (let i = 0; i < 3; i++) {
          const created = await there.apiKeys.create({ ownerId: `p-${tokenUrlsafe(6)}`, scopes: ['read', 'write'] });
          keys.push({ id: created.apiKey.id, all: [created.key] });
        }
        for (const step of ops) {
          const entry = keys[step.i]!;
          if (step.kind === 'verify') {
            const options = step.scope ? { scopes: [step.scope] } : {};
            for (const key of entry.all) {
              const cached = await here.apiKeys.verify(key, options);
              const truth = await reference.verify(key, options);
              // Equal outcomes (state does not change between the two calls but for lastUsedAt).
              expect(cached.valid ? 'valid' : cached.code).toBe(truth.valid ? 'valid' : truth.code);
            }
            continue;
          }
          if (step.kind === 'revoke') await there.apiKeys.revoke(entry.id);
          else if (step.kind === 'rotate') {
            const rotated = await there.apiKeys.rotate(entry.id, step.grace ? { gracePeriod: '1m' } : {});
            if (rotated) entry.all.push(rotated.key);
          } else if (step.kind === 'scopes') await there.store.update<StoredRecord>('key', entry.id, { scopes: step.scopes });
          else await there.store.update<StoredRecord>('key', entry.id, { expiresAt: Date.now() - 1 });
          // Deterministic: a marker written after the change on the same connection is invalidated
          // after it (or in the same message), so once the marker's invalidation is here, so is the change's.
          const marker = `${prefix}marker:${++markers}`;
          const invalidation = invalidationOf(here.store, marker);
          await clients[1]!.set(marker, '1');
          await invalidation.arrived;
        }
      }),
      { numRuns: 30 },
    );
  }, 120_000);
});

describe('RedisStore client tracking: a silent invalidation connection (private server, paused)', () => {
  it('a frozen Redis (SIGSTOP: sockets open, no answers) stops the cache being trusted within the heartbeat timeout; verifications fail closed', async () => {
    const server = await RedisServer.start();
    const client = await connectRedis(server.url);
    const store = new RedisStore({ client, prefix: uniquePrefix(), timeout: 300 });
    try {
      const side: Side = { store, apiKeys: new ApiKeys({ store, secret: SECRET }), counter: countCommands(client) };
      expect(await store.clientCache.whenTrusted(5000)).toBe(true);
      const { key } = await side.apiKeys.create({ ownerId: 'frozen' });
      await warmUntilFree(side, key);
      await server.pause();
      try {
        // No connection closes; only the unanswered heartbeat PING can tell.
        await expect.poll(() => store.clientCache.trusted, { timeout: 5000, interval: 10 }).toBe(false);
        expect(store.clientCache.size).toBe(0);
        await expect(side.apiKeys.verify(key)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      } finally {
        await server.resume();
      }
      expect(await store.clientCache.whenTrusted(10_000)).toBe(true);
      await warmUntilFree(side, key);
    } finally {
      await store.close();
      client.disconnect();
      await server.dispose();
    }
  });
});

describe('RedisStore client tracking refused by the server (ACL without CLIENT)', () => {
  it('warns once, stops trying, and verifies unmetered keys with one command each', async () => {
    const server = await RedisServer.start();
    expect(await server.command('ACL', 'SETUSER', 'limited', 'on', 'nopass', '~*', '&*', '+@all', '-client')).toBe('OK');
    const client = await connectRedis(server.url, { username: 'limited', password: 'x' });
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const store = new RedisStore({ client, prefix: uniquePrefix() });
    try {
      await vi.waitFor(() => expect(warnings).toHaveBeenCalledWith(expect.stringContaining('client tracking is unavailable'), expect.objectContaining({ code: 'TOKENKIT_REDIS_CLIENT_TRACKING' })));
      expect(await store.clientCache.whenTrusted(200)).toBe(false);
      const side: Side = { store, apiKeys: new ApiKeys({ store, secret: SECRET }), counter: countCommands(client) };
      const { key } = await side.apiKeys.create({ ownerId: 'acl' });
      for (let i = 0; i < 3; i++) expect((await side.apiKeys.verify(key)).valid).toBe(true);
      const before = side.counter.count;
      for (let i = 0; i < 10; i++) expect((await side.apiKeys.verify(key)).valid).toBe(true);
      expect(side.counter.count - before).toBe(10);
    } finally {
      warnings.mockRestore();
      await store.close();
      client.disconnect();
      await server.dispose();
    }
  });
});

describe('RedisStore client tracking on a Cluster (3 masters + 1 replica each)', () => {
  let cluster: RedisCluster;
  let clients: Cluster[];
  let here: Side;
  let there: Side;
  const prefix = uniquePrefix();

  beforeAll(async () => {
    cluster = await RedisCluster.start({ masters: 3, replicasPerMaster: 1 });
    clients = [await connectCluster(cluster.startupNodes), await connectCluster(cluster.startupNodes)];
    const side = (client: Cluster): Side => {
      const store = new RedisStore({ client, prefix });
      return { store, apiKeys: new ApiKeys({ store, secret: SECRET }), counter: countCommands(client) };
    };
    here = side(clients[0]!);
    there = side(clients[1]!);
    expect(await here.store.clientCache.whenTrusted(10_000)).toBe(true);
    expect(await there.store.clientCache.whenTrusted(10_000)).toBe(true);
  });
  afterAll(async () => {
    await here?.store.close();
    await there?.store.close();
    for (const client of clients ?? []) client.disconnect();
    await cluster?.dispose();
  });

  it('one invalidation connection per master; zero commands for cached keys on every master; revocations anywhere are refused once invalidated', async () => {
    expect(here.store.clientCache.connectionIds).toHaveLength(3);
    const created: Array<{ key: string; apiKey: { id: string } }> = [];
    for (let i = 0; i < 9; i++) created.push(await here.apiKeys.create({ ownerId: `c${i}` }));
    const masters = new Set<string>();
    for (const { apiKey } of created) {
      const slot = Number(await clients[0]!.cluster('KEYSLOT', here.store.keys.record('key', apiKey.id)));
      masters.add(JSON.stringify((clients[0] as unknown as { slots: string[][] }).slots[slot]?.[0]));
    }
    expect(masters.size).toBeGreaterThan(1);
    for (const { key } of created) await warmUntilFree(here, key);
    await expect
      .poll(
        async () => {
          const before = here.counter.count;
          for (const { key } of created) expect((await here.apiKeys.verify(key)).valid).toBe(true);
          return here.counter.count - before;
        },
        { timeout: 10_000, interval: 5 },
      )
      .toBe(0);
    for (const { key, apiKey } of created) {
      await refusedOnceInvalidated(here, here.store.keys.record('key', apiKey.id), key, () => there.apiKeys.revoke(apiKey.id), 'REVOKED');
    }
  });

  it('a failover (replica promoted) empties the cache; tracking is re-established on the new master and stays exact', async () => {
    const { key, apiKey } = await here.apiKeys.create({ ownerId: 'failover' });
    const recordKey = here.store.keys.record('key', apiKey.id);
    await warmUntilFree(here, key);
    const slot = Number(await clients[0]!.cluster('KEYSLOT', recordKey));
    // The replica of the master that holds the record takes over (CLUSTER FAILOVER on the replica).
    const masterId = (await clients[0]!.cluster('NODES') as string)
      .split('\n')
      .map((line) => line.split(' '))
      .find((f) => f[2]?.includes('master') && f.slice(8).some((range) => {
        const [lo, hi] = range.split('-').map(Number);
        return lo !== undefined && slot >= lo && slot <= (hi ?? lo);
      }))?.[0];
    expect(masterId).toBeDefined();
    let replica: RedisServer | undefined;
    for (const node of cluster.nodes) {
      const nodes = await node.command('CLUSTER', 'MYID').catch(() => '');
      if (nodes === masterId) continue;
      const info = await node.command('INFO', 'replication');
      if (info.includes('role:slave') && (await node.command('CLUSTER', 'NODES')).split('\n').some((l) => l.includes('myself') && l.includes(masterId!))) {
        replica = node;
        break;
      }
    }
    expect(replica).toBeDefined();
    // A manual failover waits for the replica to catch up: its link must be up first.
    await expect.poll(async () => (await replica!.command('INFO', 'replication')).includes('master_link_status:up'), { timeout: 15_000 }).toBe(true);
    const resets = here.store.clientCache.resets;
    expect(await replica!.command('CLUSTER', 'FAILOVER')).toBe('OK');
    await expect.poll(async () => (await replica!.command('INFO', 'replication')).includes('role:master'), { timeout: 15_000 }).toBe(true);
    // The store sees the topology change (slot owner changed) and drops everything it cached.
    await expect.poll(() => here.store.clientCache.resets, { timeout: 15_000, interval: 50 }).toBeGreaterThan(resets);
    expect(await here.store.clientCache.whenTrusted(15_000)).toBe(true);
    expect(here.store.clientCache.connectionIds).toHaveLength(3);
    // Writes now land on the new master; its invalidations reach the store.
    await expect.poll(async () => (await there.apiKeys.verify(key)).valid, { timeout: 15_000 }).toBe(true);
    await warmUntilFree(here, key);
    await refusedOnceInvalidated(here, recordKey, key, () => there.apiKeys.revoke(apiKey.id), 'REVOKED');
  });
});
