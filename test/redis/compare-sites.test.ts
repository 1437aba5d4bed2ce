/**
 * Constant-time comparison, Redis side: verifications answered in Node — an unmetered key
 * from the store's record cache (zero round trips with client tracking, or one HGET
 * of the version without it) and the read-only
 * checks of reset tokens and invitations — compare the stored hash with every
 * candidate through the constant-time comparer. (Comparisons inside the Lua
 * scripts are covered by hash-compare.test.ts.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const seen = vi.hoisted(() => ({ calls: [] as Array<[unknown, unknown]> }));

vi.mock('../../packages/core/src/random/safe-equal.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../packages/core/src/random/safe-equal.js')>();
  return {
    ...actual,
    safeEqual: (a: string | Uint8Array, b: string | Uint8Array) => {
      seen.calls.push([a, b]);
      return actual.safeEqual(a, b);
    },
  };
});

const { ApiKeys, Invitations, KeyedHasher, ResetTokens } = await import('@tokenkit/core');
const { SHARED_REDIS_URL, connectRedis, storeHarness } = await import('./harness.js');

const SECRET = ['compare-new-secret-0123456789abcdefghijk', 'compare-old-secret-0123456789abcdefghijk'];
let harness: Awaited<ReturnType<typeof storeHarness>>;
let tracked: Awaited<ReturnType<typeof storeHarness>>;

beforeAll(async () => {
  harness = storeHarness(await connectRedis(SHARED_REDIS_URL), { clientTracking: false });
  tracked = storeHarness(await connectRedis(SHARED_REDIS_URL));
});
afterAll(async () => {
  await harness?.close();
  await tracked?.close();
});
beforeEach(() => {
  seen.calls.length = 0;
});

async function storedHash(ns: string, id: string): Promise<string> {
  return JSON.parse((await harness.client.hget(harness.store.keys.record(ns, id), 'hash')) as string) as string;
}

describe('RedisStore: comparisons made in Node are constant-time, over every candidate', () => {
  const hasher = new KeyedHasher(SECRET);
  const compared = (stored: string, credential: string) => hasher.candidates(credential).map((candidate) => [stored, candidate]);

  it('a cached unmetered key (the HGET path)', async () => {
    const apiKeys = new ApiKeys({ store: harness.store, secret: SECRET });
    const { key, apiKey } = await apiKeys.create({ ownerId: 'cmp-owner' });
    expect((await apiKeys.verify(key)).valid).toBe(true); // first call: the script compares, and the record is cached
    // The first verification also writes lastUsedAt (off the request path); its reply refreshes the
    // cached copy. Wait until Redis has run it, then one more round trip on the same connection
    // guarantees that reply has been handled.
    const recordKey = harness.store.keys.record('key', apiKey.id);
    await vi.waitFor(async () => expect(await harness.client.hget(recordKey, 'lastUsedAt')).not.toBe('null'));
    await harness.client.ping();
    seen.calls.length = 0;
    expect((await apiKeys.verify(key)).valid).toBe(true);
    // ApiKeys' verified-credential cache compares the presented key with the cached one first (constant time).
    expect(seen.calls).toEqual([[key, key], ...compared(await storedHash('key', apiKey.id), key)]);
  });

  it('a cached unmetered key served without a round trip (client tracking)', async () => {
    const apiKeys = new ApiKeys({ store: tracked.store, secret: SECRET });
    expect(await tracked.store.clientCache.whenTrusted(5000)).toBe(true);
    const { key, apiKey } = await apiKeys.create({ ownerId: 'cmp-tracked' });
    let sent = 0;
    const client = tracked.client as unknown as { sendCommand: (...args: unknown[]) => unknown };
    const original = client.sendCommand.bind(client);
    client.sendCommand = (...args: unknown[]) => {
      sent++;
      return original(...args);
    };
    // Verify until one verification sends nothing (the copy is trusted, within the lease), and keep its comparisons.
    await vi.waitFor(async () => {
      seen.calls.length = 0;
      const before = sent;
      expect((await apiKeys.verify(key)).valid).toBe(true);
      expect(sent).toBe(before);
    });
    const calls = [...seen.calls];
    const stored = JSON.parse((await tracked.client.hget(tracked.store.keys.record('key', apiKey.id), 'hash')) as string) as string;
    // ApiKeys' verified-credential cache compares the presented key with the cached one first (constant time).
    expect(calls).toEqual([[key, key], ...compared(stored, key)]);
  });

  it('reset-token and invitation checks', async () => {
    const resets = new ResetTokens({ store: harness.store, secret: SECRET });
    const {
      token,
      reset: { id },
    } = await resets.issue('cmp-user');
    seen.calls.length = 0;
    expect((await resets.check(token)).valid).toBe(true);
    expect(seen.calls).toEqual(compared(await storedHash('rst', id), token));

    const invites = new Invitations({ store: harness.store, secret: SECRET });
    const { code, invitation } = await invites.create({ createdBy: 'cmp-admin' });
    seen.calls.length = 0;
    expect((await invites.check(code)).valid).toBe(true);
    expect(seen.calls).toEqual(compared(await storedHash('inv', invitation.id), code));
  });
});
