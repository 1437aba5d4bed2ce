/**
 * The Lua constant-time comparison: a match against any candidate (secret
 * rotation), and no match for prefixes, extensions or one-byte changes —
 * for both `use` and `consume`.
 */
import { ApiKeys, ResetTokens } from '@tokenkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, SHARED_REDIS_URL, storeHarness } from './harness.js';

let harness: ReturnType<typeof storeHarness>;
beforeAll(async () => {
  harness = storeHarness(await connectRedis(SHARED_REDIS_URL));
});
afterAll(async () => {
  await harness?.close();
});

const STORED = 'v2$Q2hhbmdlIG1lIGFuZCB5b3Ugd2lsbCBzZWUgaXQgZmFpbA';

describe('hash comparison in Lua', () => {
  it('matches when any candidate equals the stored hash, in any position', async () => {
    const store = harness.store;
    for (const hashes of [[STORED], ['v1$other', STORED], [STORED, 'v1$other', 'v3$x']]) {
      const id = `m${hashes.length}`;
      await store.put('h', { id, hash: STORED, expiresAt: null }, { ttlMs: 60_000 });
      expect((await store.use('h', id, { hashes, now: Date.now() })).ok).toBe(true);
      expect((await store.consume('h', id, hashes, Date.now())).ok).toBe(true);
    }
  });

  it('rejects prefixes, extensions, one changed byte, empty and no candidates — and a wrong hash never deletes', async () => {
    const store = harness.store;
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const wrong = [
      STORED.slice(0, -1),
      `${STORED}A`,
      flip(STORED, 0),
      flip(STORED, 3),
      flip(STORED, STORED.length - 1),
      '',
      'v2$',
    ];
    await store.put('h', { id: 'w', hash: STORED, expiresAt: null }, { ttlMs: 60_000 });
    for (const candidate of wrong) {
      expect(await store.use('h', 'w', { hashes: [candidate], now: Date.now() })).toEqual({ ok: false, reason: 'NOT_FOUND' });
      expect(await store.consume('h', 'w', [candidate], Date.now())).toEqual({ ok: false, reason: 'NOT_FOUND' });
    }
    expect(await store.use('h', 'w', { hashes: [], now: Date.now() })).toEqual({ ok: false, reason: 'NOT_FOUND' });
    expect(await store.consume('h', 'w', wrong, Date.now())).toEqual({ ok: false, reason: 'NOT_FOUND' });
    expect(await store.get('h', 'w')).not.toBeNull();
  });

  it('secret rotation works end to end: keys signed with the old secret verify under [new, old]', async () => {
    const store = harness.store;
    const oldSecret = 'old-secret-0123456789abcdefghijklmnopqrstuv';
    const newSecret = 'new-secret-0123456789abcdefghijklmnopqrstuv';
    const { key } = await new ApiKeys({ store, secret: oldSecret }).create({ ownerId: 'rotating' });
    const { token } = await new ResetTokens({ store, secret: oldSecret }).issue('rotating');
    expect((await new ApiKeys({ store, secret: newSecret }).verify(key)).valid).toBe(false);
    expect((await new ApiKeys({ store, secret: [newSecret, oldSecret] }).verify(key)).valid).toBe(true);
    expect((await new ResetTokens({ store, secret: [newSecret, oldSecret] }).consume(token)).valid).toBe(true);
  });
});
