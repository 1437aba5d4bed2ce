/**
 * Round trips measured from Redis itself: a MONITOR connection on a private
 * redis-server sees every command a client sends. Commands a script runs
 * internally show up with source `lua` and are not round trips, so they are
 * not counted (INFO commandstats would mix the two). ECHO markers sent over
 * another connection delimit each measurement.
 */
import { ApiKeys, Invitations, ResetTokens } from '@tokenkit/core';
import { RedisStore } from '@tokenkit/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisMonitor, RedisServer } from '../helpers/redis-server.js';
import { connectRedis, storeHarness } from './harness.js';

const SECRET = 'round-trip-secret-0123456789abcdefghijkl';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: RedisServer;
let monitor: RedisMonitor;
let harness: ReturnType<typeof storeHarness>;
let markers = 0;

async function mark(): Promise<number> {
  const text = `tk-marker-${++markers}`;
  await server.command('ECHO', text);
  const find = () => monitor.events.findIndex((e) => e.command === 'echo' && e.args[0] === text);
  await expect.poll(find, { interval: 2 }).toBeGreaterThanOrEqual(0);
  return find();
}

/** Round trips (client commands, not script-internal ones) while `operation` ran and its fire-and-forget writes settled. */
async function measure(operation: () => Promise<unknown>): Promise<Record<string, number>> {
  const from = await mark();
  await operation();
  await sleep(20);
  const to = await mark();
  const delta: Record<string, number> = {};
  for (const event of monitor.events.slice(from + 1, to)) {
    // PING: the heartbeat of the store's invalidation connection (client tracking), not a verification's command.
    if (event.source === 'lua' || event.command === 'echo' || event.command === 'ping') continue;
    delta[event.command] = (delta[event.command] ?? 0) + 1;
  }
  return delta;
}

/** One verification's commands and outcome (`'valid'` or the failure code). */
async function measuredVerify(apiKeys: ApiKeys, key: string): Promise<{ commands: Record<string, number>; outcome: string }> {
  let outcome = '';
  const commands = await measure(async () => {
    const result = await apiKeys.verify(key);
    outcome = result.valid ? 'valid' : result.code;
  });
  return { commands, outcome };
}

beforeAll(async () => {
  server = await RedisServer.start();
  monitor = await server.monitor();
  harness = storeHarness(await connectRedis(server.url));
});
afterAll(async () => {
  try {
    await harness?.close();
  } finally {
    monitor?.close();
    await server?.dispose();
  }
});

const total = (delta: Record<string, number>) => Object.values(delta).reduce((a, b) => a + b, 0);

describe('RedisStore round trips (MONITOR on a private server)', () => {
  it('one apiKeys.verify is exactly one Redis command (one EVALSHA), also with scopes and a rate limit', async () => {
    const apiKeys = new ApiKeys({ store: harness.store, secret: SECRET });
    const { key } = await apiKeys.create({
      ownerId: 'rt-owner',
      scopes: ['read'],
      remaining: 1000,
      rateLimit: { limit: 1000, window: '1m' },
    });
    // Warm-up: loads the script on this connection (EVAL) and makes the coalesced lastUsedAt write.
    expect((await apiKeys.verify(key)).valid).toBe(true);
    await sleep(30);
    const one = await measure(() => apiKeys.verify(key, { scopes: ['read'] }));
    expect(one).toEqual({ evalsha: 1 });
    const hundred = await measure(async () => {
      for (let i = 0; i < 100; i++) expect((await apiKeys.verify(key, { scopes: ['read'] })).valid).toBe(true);
    });
    expect(hundred).toEqual({ evalsha: 100 });
    const rejected = await measure(() => apiKeys.verify(key, { scopes: ['admin'] }));
    expect(rejected).toEqual({ evalsha: 1 });
  });

  it('after SCRIPT FLUSH (restart, failover) the next call falls back from EVALSHA to EVAL by itself', async () => {
    const apiKeys = new ApiKeys({ store: harness.store, secret: SECRET });
    // Metered (remaining), so every verify runs the use script.
    const { key } = await apiKeys.create({ ownerId: 'flush-owner', remaining: 100 });
    expect((await apiKeys.verify(key)).valid).toBe(true);
    expect(await server.command('SCRIPT', 'FLUSH')).toBe('OK');
    let valid = false;
    const delta = await measure(async () => {
      valid = (await apiKeys.verify(key)).valid;
    });
    expect(valid).toBe(true);
    expect(delta).toEqual({ evalsha: 1, eval: 1 });
    expect(await measure(() => apiKeys.verify(key))).toEqual({ evalsha: 1 });
  });

  it('a cached unmetered key is verified with zero round trips while Redis tracks the prefix; a revocation is seen once its invalidation arrives', async () => {
    const store = harness.store;
    expect(await store.clientCache.whenTrusted(5000)).toBe(true);
    const apiKeys = new ApiKeys({ store, secret: SECRET });
    const { key, apiKey } = await apiKeys.create({ ownerId: 'zero-owner', scopes: ['read'] });
    // The first verify runs the script; its coalesced lastUsedAt write invalidates the copy; a later
    // verify confirms the version with one HGET, which makes the copy trusted.
    await apiKeys.verify(key);
    await expect.poll(async () => Object.keys(await measure(() => apiKeys.verify(key))).length, { interval: 5 }).toBe(0);
    // Zero round trips while every invalidation connection's last PONG is under the trust lease old;
    // a PONG delayed on a loaded machine lapses it for a moment (one HGET each then), so measure a
    // run of 100 until one falls wholly inside the lease.
    await expect
      .poll(
        () =>
          measure(async () => {
            for (let i = 0; i < 100; i++) expect((await apiKeys.verify(key, { scopes: ['read'] })).valid).toBe(true);
          }),
        { interval: 5, timeout: 10_000 },
      )
      .toEqual({});
    const before = store.clientCache.invalidations;
    await apiKeys.revoke(apiKey.id);
    await expect.poll(() => store.clientCache.invalidations, { interval: 1 }).toBeGreaterThan(before);
    // One round trip: the script, or one HGET of the version when this process's own revoke left its
    // (untrusted) copy of the revoked record after the invalidation dropped the old one.
    const revoked = await measuredVerify(apiKeys, key);
    expect(revoked.outcome).toBe('REVOKED');
    expect([{ evalsha: 1 }, { hget: 1 }]).toContainEqual(revoked.commands);
  });

  it('without client tracking, an unmetered key (no remaining, no rate limit) is verified with one HGET of its version after its first script run', async () => {
    const apiKeys = new ApiKeys({ store: new RedisStore({ client: harness.client, prefix: harness.prefix, clientTracking: false }), secret: SECRET });
    const { key, apiKey } = await apiKeys.create({ ownerId: 'plain-owner', scopes: ['read'] });
    // The first verify runs the use script (and the coalesced lastUsedAt update) and learns the key is unmetered.
    const first = await measure(() => apiKeys.verify(key));
    expect(first.evalsha).toBeGreaterThanOrEqual(1);
    expect(first.hgetall).toBeUndefined();
    const hundred = await measure(async () => {
      for (let i = 0; i < 100; i++) expect((await apiKeys.verify(key, { scopes: ['read'] })).valid).toBe(true);
    });
    expect(hundred).toEqual({ hget: 100 });
    // Revocation is read from Redis on every call: the next verify sees it.
    await apiKeys.revoke(apiKey.id);
    expect(await measuredVerify(apiKeys, key)).toEqual({ commands: { hget: 1 }, outcome: 'REVOKED' });
  });

  it('without client tracking, a change by another server costs the next verification one extra round trip, once; recordCache: 0 always runs the script', async () => {
    const apiKeys = new ApiKeys({ store: new RedisStore({ client: harness.client, prefix: harness.prefix, clientTracking: false }), secret: SECRET });
    const { key, apiKey } = await apiKeys.create({ ownerId: 'changed-owner' });
    await apiKeys.verify(key);
    expect(await measure(() => apiKeys.verify(key))).toEqual({ hget: 1 });
    // Another server (its own store) revokes: this store's cached version is now stale.
    const other = new ApiKeys({ store: new RedisStore({ client: harness.client, prefix: harness.prefix, clientTracking: false }), secret: SECRET });
    await other.revoke(apiKey.id);
    expect(await measuredVerify(apiKeys, key)).toEqual({ commands: { hget: 1, evalsha: 1 }, outcome: 'REVOKED' });
    // A rejected key is not cached (the script's rejection carries no record): one script call each time.
    expect(await measure(() => apiKeys.verify(key))).toEqual({ evalsha: 1 });

    const uncached = new ApiKeys({ store: new RedisStore({ client: harness.client, prefix: harness.prefix, recordCache: 0 }), secret: SECRET });
    const fresh = await uncached.create({ ownerId: 'uncached-owner' });
    await uncached.verify(fresh.key);
    expect(await measure(() => uncached.verify(fresh.key))).toEqual({ evalsha: 1 });
  });

  it('reports the round trips of every manager operation', async () => {
    const store = harness.store;
    const apiKeys = new ApiKeys({ store, secret: SECRET });
    const resets = new ResetTokens({ store, secret: SECRET });
    const invites = new Invitations({ store, secret: SECRET });
    // Warm every script up once so EVAL-on-first-use does not blur the counts.
    const warm = await apiKeys.create({ ownerId: 'warm' });
    await apiKeys.verify(warm.key);
    const warmToken = await resets.issue('warm');
    await resets.consume(warmToken.token);
    const warmInvite = await invites.create({ createdBy: 'warm' });
    await invites.redeem(warmInvite.code, { userId: 'warm' });
    await apiKeys.revoke(warm.apiKey.id);
    await sleep(30);

    const rows: Array<[string, Record<string, number>]> = [];
    let key = '';
    let keyId = '';
    rows.push([
      'apiKeys.create',
      await measure(async () => {
        ({ key } = await apiKeys.create({ ownerId: 'rt', scopes: ['read'] }));
      }),
    ]);
    rows.push(['apiKeys.verify (first in a minute: + coalesced lastUsedAt write)', await measure(() => apiKeys.verify(key))]);
    rows.push(['apiKeys.verify', await measure(() => apiKeys.verify(key))]);
    const foreign = await new ApiKeys({ store, secret: `${SECRET}-other` }).create({ ownerId: 'rt' });
    rows.push(['apiKeys.verify (hash mismatch)', await measure(() => apiKeys.verify(foreign.key))]);
    rows.push(['apiKeys.verify (malformed: bad checksum)', await measure(() => apiKeys.verify(`${key.slice(0, -6)}AAAAAA`))]);
    rows.push([
      'apiKeys.list (2 keys)',
      await measure(async () => {
        keyId = (await apiKeys.list({ ownerId: 'rt' })).find((k) => k.id !== foreign.apiKey.id)!.id;
      }),
    ]);
    rows.push(['apiKeys.revoke', await measure(() => apiKeys.revoke(keyId))]);
    let token = '';
    rows.push([
      'resets.issue (revoke-previous, none outstanding)',
      await measure(async () => {
        ({ token } = await resets.issue('rt-user'));
      }),
    ]);
    rows.push(['resets.check', await measure(() => resets.check(token))]);
    rows.push(['resets.get', await measure(() => resets.get(token.slice(4, 14)))]);
    rows.push(['resets.list (1 token)', await measure(() => resets.list({ userId: 'rt-user' }))]);
    rows.push(['resets.consume', await measure(() => resets.consume(token))]);
    let code = '';
    rows.push([
      'invites.create',
      await measure(async () => {
        ({ code } = await invites.create({ createdBy: 'rt-admin', maxUses: 5 }));
      }),
    ]);
    rows.push(['invites.check', await measure(() => invites.check(code))]);
    rows.push(['invites.redeem', await measure(() => invites.redeem(code, { userId: 'rt-user' }))]);

    console.log(
      `\nRedis round trips per operation (MONITOR, script-internal commands excluded):\n${rows
        .map(([name, delta]) => `  ${name.padEnd(64)} ${String(total(delta)).padStart(2)}  ${JSON.stringify(delta)}`)
        .join('\n')}`,
    );
    const count = new Map(rows.map(([name, delta]) => [name, total(delta)]));
    expect(count.get('apiKeys.verify')).toBe(1);
    expect(count.get('apiKeys.verify (hash mismatch)')).toBe(1);
    expect(count.get('apiKeys.verify (malformed: bad checksum)')).toBe(0);
    expect(count.get('resets.check')).toBe(1);
    expect(count.get('resets.get')).toBe(1);
    expect(count.get('resets.list (1 token)')).toBe(2);
    expect(count.get('invites.check')).toBe(1);
    expect(count.get('invites.redeem')).toBe(1);
    expect(count.get('apiKeys.create')).toBe(2);
  });
});
