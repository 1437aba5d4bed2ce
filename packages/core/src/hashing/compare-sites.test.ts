/**
 * Every secret-derived value is compared in constant time. safe-equal.test.ts proves the comparer itself has no early exit;
 * this file proves every place that compares a stored hash with a presented
 * credential's hashes goes through it — for each candidate, stored hash first
 * — so a refactor to `===` (or a short-circuit over candidates) fails here.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const seen = vi.hoisted(() => ({ calls: [] as Array<[unknown, unknown]> }));

vi.mock('../random/safe-equal.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../random/safe-equal.js')>();
  return {
    ...actual,
    safeEqual: (a: string | Uint8Array, b: string | Uint8Array) => {
      seen.calls.push([a, b]);
      return actual.safeEqual(a, b);
    },
  };
});

const { ApiKeys } = await import('../api-keys/index.js');
const { Invitations } = await import('../invitations/index.js');
const { ResetTokens } = await import('../reset-tokens/index.js');
const { MemoryStore } = await import('../store/memory-store.js');
const { KeyedHasher } = await import('./keyed-hash.js');
const { matchesAnyHash } = await import('./match.js');
const { OTHER_SECRET, TEST_SECRET } = await import('../test-utils/stores.js');

/** The stored hash of the one record in `ns`. */
function storedHash(store: InstanceType<typeof MemoryStore>, ns: string, id: string): string {
  const entry = store.dump().find((e) => e.ns === ns && e.record.id === id);
  if (!entry) throw new Error(`no ${ns} record ${id}`);
  return entry.record.hash;
}

describe('every stored-hash comparison goes through the constant-time comparer', () => {
  beforeEach(() => {
    seen.calls.length = 0;
  });

  it('matchesAnyHash compares the stored hash with every candidate, also after a match', () => {
    expect(matchesAnyHash('v1$stored', ['v1$stored', 'v2$other', 'v3$third'])).toBe(true);
    expect(seen.calls).toEqual([
      ['v1$stored', 'v1$stored'],
      ['v1$stored', 'v2$other'],
      ['v1$stored', 'v3$third'],
    ]);
  });

  it('ApiKeys.verify, ResetTokens.check/consume, Invitations.check/redeem on a MemoryStore — valid and foreign-signed', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    // Two secrets: every comparison must see both candidates (rotation), the stored hash first.
    const secret = [OTHER_SECRET, TEST_SECRET];
    const hasher = new KeyedHasher(secret);
    const stranger = new KeyedHasher('stranger-secret-0123456789-abcdefghijk');
    const expectCompared = (stored: string, credential: string) => {
      expect(seen.calls).toEqual(hasher.candidates(credential).map((candidate) => [stored, candidate]));
      seen.calls.length = 0;
    };

    const apiKeys = new ApiKeys({ store, secret });
    const { key, apiKey } = await apiKeys.create({ ownerId: 'o' });
    const keyHash = storedHash(store, 'key', apiKey.id);
    seen.calls.length = 0;
    expect((await apiKeys.verify(key)).valid).toBe(true);
    expectCompared(keyHash, key);

    const resets = new ResetTokens({ store, secret });
    const { token, reset } = await resets.issue('user-1');
    const resetHash = storedHash(store, 'rst', reset.id);
    seen.calls.length = 0;
    expect((await resets.check(token)).valid).toBe(true);
    expectCompared(resetHash, token);
    expect((await resets.consume(token)).valid).toBe(true);
    expectCompared(resetHash, token);

    const invites = new Invitations({ store, secret });
    const { code, invitation } = await invites.create({ createdBy: 'admin' });
    const inviteHash = storedHash(store, 'inv', invitation.id);
    seen.calls.length = 0;
    expect((await invites.check(code)).valid).toBe(true);
    expectCompared(inviteHash, code);
    expect((await invites.redeem(code, { userId: 'u-1' })).valid).toBe(true);
    expectCompared(inviteHash, code);

    // The same credential under a secret that did not sign it: compared in constant time, and rejected.
    expect(stranger.hash(key)).not.toBe(keyHash);
    const foreign = new ApiKeys({ store, secret: 'stranger-secret-0123456789-abcdefghijk' });
    expect(await foreign.verify(key)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect(seen.calls).toEqual([[keyHash, stranger.hash(key)]]);
  });

  it('a rotated key: the presented credential is compared with the current hash and with the previous one, every candidate, whichever matches', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const secret = [OTHER_SECRET, TEST_SECRET];
    const hasher = new KeyedHasher(secret);
    // No verified-credential cache: this is about the store's comparisons only.
    const apiKeys = new ApiKeys({ store, secret, verifiedCache: false });
    const { key: oldKey, apiKey } = await apiKeys.create({ ownerId: 'o' });
    const previousHash = storedHash(store, 'key', apiKey.id);
    const rotated = await apiKeys.rotate(apiKey.id, { gracePeriod: '1h' });
    if (!rotated) throw new Error('rotation failed');
    const currentHash = storedHash(store, 'key', apiKey.id);
    const both = (credential: string) => [
      ...hasher.candidates(credential).map((candidate) => [currentHash, candidate]),
      ...hasher.candidates(credential).map((candidate) => [previousHash, candidate]),
    ];
    for (const credential of [oldKey, rotated.key]) {
      seen.calls.length = 0;
      expect((await apiKeys.verify(credential)).valid).toBe(true);
      expect(seen.calls).toEqual(both(credential));
    }
  });

  it('ApiKeys.verify on a verified-credential cache hit: the cached credential first, then the stored hash as usual', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const secret = [OTHER_SECRET, TEST_SECRET];
    const hasher = new KeyedHasher(secret);
    const apiKeys = new ApiKeys({ store, secret });
    const { key, apiKey } = await apiKeys.create({ ownerId: 'o' });
    const keyHash = storedHash(store, 'key', apiKey.id);
    expect((await apiKeys.verify(key)).valid).toBe(true);
    seen.calls.length = 0;
    // Presented as a different string object with the same characters, as a header value would be.
    const presented = `${key.slice(0, 5)}${key.slice(5)}`;
    expect((await apiKeys.verify(presented)).valid).toBe(true);
    expect(seen.calls).toEqual([[key, presented], ...hasher.candidates(key).map((candidate) => [keyHash, candidate])]);

    // Another credential with the same id: compared with the cached one in constant time, then hashed and refused.
    seen.calls.length = 0;
    const forged = `${key.slice(0, 13)}${'A'.repeat(32)}`;
    const result = await apiKeys.verify(forged + key.slice(-6));
    expect(result.valid).toBe(false);
    expect(seen.calls[0]).toEqual([key, forged + key.slice(-6)]);
  });
});
