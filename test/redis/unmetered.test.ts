/**
 * The version-checked path for unmetered records (no maxUses, no rateLimit:
 * one HGET of the record's version) must give exactly the results of the use
 * script, and must never serve stale state: revocation, rotation and expiry made by ANOTHER store instance (as
 * another app server would) are seen on the next call. These stores run with
 * `clientTracking: false` (the path every verification takes while the
 * invalidation channel is down); the zero-round-trip path is tested in
 * client-tracking.test.ts.
 */
import { ApiKeys, type StoredRecord } from '@tokenkit/core';
import { RedisStore } from '@tokenkit/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_REDIS_URL, connectRedis, storeHarness } from './harness.js';

const SECRET = 'unmetered-secret-0123456789abcdefghijklm';
let harness: ReturnType<typeof storeHarness>;
let other: RedisStore;

beforeAll(async () => {
  harness = storeHarness(await connectRedis(SHARED_REDIS_URL), { clientTracking: false });
  // A second store on its own connection with the same prefix: "another app server".
  other = new RedisStore({ client: await connectRedis(SHARED_REDIS_URL), prefix: harness.prefix, clientTracking: false });
});
afterAll(async () => {
  await harness?.close();
});

async function warmed(apiKeys: ApiKeys, options: Parameters<ApiKeys['create']>[0]) {
  const created = await apiKeys.create(options);
  expect((await apiKeys.verify(created.key)).valid).toBe(true);
  return created;
}

describe('RedisStore unmetered fast path', () => {
  it('sees a revocation made by another server at once', async () => {
    let now = Date.now();
    const here = new ApiKeys({ store: harness.store, secret: SECRET, now: () => now });
    const there = new ApiKeys({ store: other, secret: SECRET, now: () => now });
    const { key, apiKey } = await warmed(here, { ownerId: 'u1', scopes: ['read', 'write'] });
    expect((await here.verify(key, { scopes: ['read'] })).valid).toBe(true);
    expect(await here.verify(key, { scopes: ['admin'] })).toEqual({ valid: false, code: 'INSUFFICIENT_SCOPE' });
    await there.revoke(apiKey.id);
    expect(await here.verify(key)).toEqual({ valid: false, code: 'REVOKED' });
    now += 1;
  });

  it('sees a rotation (old key expiry) made by another server', async () => {
    let now = Date.now();
    const here = new ApiKeys({ store: harness.store, secret: SECRET, now: () => now });
    const there = new ApiKeys({ store: other, secret: SECRET, now: () => now });
    const { key, apiKey } = await warmed(here, { ownerId: 'u2' });
    const rotated = await there.rotate(apiKey.id, { gracePeriod: '1m' });
    expect(rotated).not.toBeNull();
    expect((await here.verify(key)).valid).toBe(true);
    now += 60_000;
    expect(await here.verify(key)).toEqual({ valid: false, code: 'EXPIRED' });
    expect((await here.verify(rotated!.key)).valid).toBe(true);
  });

  it('a rotation without grace by another server ends the cached old credential at once; the new one is served', async () => {
    const here = new ApiKeys({ store: harness.store, secret: SECRET });
    const there = new ApiKeys({ store: other, secret: SECRET });
    const { key, apiKey } = await warmed(here, { ownerId: 'u2b' });
    const rotated = await there.rotate(apiKey.id);
    expect(await here.verify(key)).toEqual({ valid: false, code: 'EXPIRED' });
    expect((await here.verify(rotated!.key)).valid).toBe(true);
    // Cached now with the new hash; a second rotation elsewhere must replace it again.
    const again = await there.rotate(apiKey.id);
    expect(await here.verify(rotated!.key)).toEqual({ valid: false, code: 'EXPIRED' });
    expect((await here.verify(again!.key)).valid).toBe(true);
    await there.revoke(apiKey.id);
    expect(await here.verify(again!.key)).toEqual({ valid: false, code: 'REVOKED' });
  });

  it('rejects a forged secret for a known id as NOT_FOUND (constant-time compare in Node)', async () => {
    const here = new ApiKeys({ store: harness.store, secret: SECRET });
    const stranger = new ApiKeys({ store: harness.store, secret: 'another-secret-0123456789abcdefghijklmno' });
    const { key } = await warmed(here, { ownerId: 'u3' });
    expect(await stranger.verify(key)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect((await here.verify(key)).valid).toBe(true);
  });

  it('falls back to the script when a record it thought unmetered gains a counter', async () => {
    const here = new ApiKeys({ store: harness.store, secret: SECRET });
    const { key, apiKey } = await warmed(here, { ownerId: 'u4' });
    // Another server (not this process) adds a usage cap directly in the store.
    await other.update<StoredRecord>('key', apiKey.id, { maxUses: 2, uses: 1 });
    expect((await here.verify(key)).valid).toBe(true);
    expect(await here.verify(key)).toEqual({ valid: false, code: 'USAGE_EXCEEDED' });
  });

  it('a deleted record is NOT_FOUND', async () => {
    const here = new ApiKeys({ store: harness.store, secret: SECRET });
    const { key, apiKey } = await warmed(here, { ownerId: 'u5' });
    await other.delete('key', apiKey.id);
    expect(await here.verify(key)).toEqual({ valid: false, code: 'NOT_FOUND' });
  });
  it('a record overwritten by another server (same id, new hash) is never verified from the old copy', async () => {
    const now = Date.now();
    const request = (hash: string) => ({ hashes: [hash], now });
    const record = { id: 'overwrite1', hash: 'v1$old', expiresAt: null, revokedAt: null, maxUses: null, rateLimit: null, uses: 0 };
    await harness.store.put('key', record, { ttlMs: null });
    expect(await harness.store.use('key', 'overwrite1', request('v1$old'))).toMatchObject({ ok: true });
    expect(await harness.store.use('key', 'overwrite1', request('v1$old'))).toMatchObject({ ok: true });
    await other.put('key', { ...record, hash: 'v1$new' }, { ttlMs: null });
    expect(await harness.store.use('key', 'overwrite1', request('v1$old'))).toEqual({ ok: false, reason: 'NOT_FOUND' });
    expect(await harness.store.use('key', 'overwrite1', request('v1$new'))).toMatchObject({ ok: true, record: { hash: 'v1$new' } });
  });

  it('a counted redemption by another server replaces the cached copy (uses comes back current)', async () => {
    const now = Date.now();
    const record = { id: 'redeem1', hash: 'v1$h', expiresAt: null, revokedAt: null, maxUses: null, rateLimit: null, uses: 0 };
    await harness.store.put('inv', record, { ttlMs: null });
    expect(await harness.store.use('inv', 'redeem1', { hashes: ['v1$h'], now })).toMatchObject({ ok: true, record: { uses: 0 } });
    expect(await other.use('inv', 'redeem1', { hashes: ['v1$h'], now, subject: 'user-a' })).toMatchObject({ ok: true });
    expect(await harness.store.use('inv', 'redeem1', { hashes: ['v1$h'], now })).toMatchObject({
      ok: true,
      record: { uses: 1 },
    });
    expect((await harness.store.usedBy('inv', 'redeem1')).ids).toEqual(['user-a']);
  });

  it('the version field never leaks into records, and a record property of that name is not stored', async () => {
    const record = { id: 'leak1', hash: 'v1$h', ':v': 'forged', expiresAt: null, revokedAt: null, maxUses: null, rateLimit: null };
    await harness.store.put('key', record, { ttlMs: null });
    const read = await harness.store.get('key', 'leak1');
    expect(read).not.toHaveProperty(':v');
    const used = await harness.store.use('key', 'leak1', { hashes: ['v1$h'], now: Date.now() });
    expect(used.ok && Object.keys(used.record)).not.toContain(':v');
    const updated = await harness.store.update<StoredRecord>('key', 'leak1', { revokedAt: 1 });
    expect(updated).not.toHaveProperty(':v');
  });
  it('a hand edit that drops the version field is seen at once (README: editing records by hand)', async () => {
    const here = new ApiKeys({ store: harness.store, secret: SECRET });
    const { key, apiKey } = await warmed(here, { ownerId: 'u-hand' });
    expect((await here.verify(key)).valid).toBe(true);
    const redisKey = harness.store.keys.record('key', apiKey.id);
    await harness.client.multi().hset(redisKey, 'revokedAt', String(Date.now())).hdel(redisKey, ':v').exec();
    expect(await here.verify(key)).toEqual({ valid: false, code: 'REVOKED' });
  });
});
