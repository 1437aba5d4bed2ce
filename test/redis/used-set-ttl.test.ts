/**
 * A record's used-by set lives exactly as long as the record, also when the
 * use that exhausts the record (and gives it its retention TTL) names no
 * subject: otherwise the set of earlier redeemers would stay behind with no
 * expiry after its record is gone.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SHARED_REDIS_URL, connectRedis, storeHarness } from './harness.js';

let harness: ReturnType<typeof storeHarness>;

beforeAll(async () => {
  harness = storeHarness(await connectRedis(SHARED_REDIS_URL), { clientTracking: false });
});
afterAll(async () => {
  await harness?.close();
});

it('an exhausting use without a subject gives the used-by set the record’s retention TTL', async () => {
  const { store, client } = harness;
  const now = Date.now();
  const hash = 'v1$used-set-ttl';
  await store.put('inv', { id: 'ttl1', hash, expiresAt: null, maxUses: 2, uses: 0 }, { ttlMs: null });
  expect(await store.use('inv', 'ttl1', { hashes: [hash], now, subject: 'alice' })).toMatchObject({ ok: true });
  const recordKey = store.keys.record('inv', 'ttl1');
  const usedKey = store.keys.used(recordKey);
  expect(await client.pttl(usedKey)).toBe(-1);
  expect(await store.use('inv', 'ttl1', { hashes: [hash], now, retainMs: 60_000 })).toMatchObject({ ok: true });
  const recordTtl = await client.pttl(recordKey);
  const setTtl = await client.pttl(usedKey);
  expect(recordTtl).toBeGreaterThan(0);
  expect(setTtl).toBeGreaterThan(0);
  expect(setTtl).toBeLessThanOrEqual(60_000);
});
