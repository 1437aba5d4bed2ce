import fc from 'fast-check';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../errors.js';
import type { TokenkitEvent } from '../events.js';
import { KeyedHasher } from '../hashing/keyed-hash.js';
import { MemoryStore } from '../store/memory-store.js';
import { InstrumentedStore, ManualClock, OTHER_SECRET, TEST_SECRET } from '../test-utils/stores.js';
import { ModelWorld, modelCommands } from '../test-utils/verified-cache-model.js';
import { ApiKeys, type ApiKeysOptions } from './index.js';
import { VerifiedCache } from './verified-cache.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('verified-credential cache: the same answers as without it', () => {
  // Process 0: default cache; process 1: a tiny one with a short age, so eviction and expiry of entries happen too.
  const cached: [ApiKeysOptions['verifiedCache'], ApiKeysOptions['verifiedCache']] = [undefined, { max: 2, ttl: '90s' }];

  it('interleaved create/verify/revoke/rotate/expire/scopes/quotas/secret rotation, two processes on one MemoryStore', async () => {
    await fc.assert(
      fc.asyncProperty(modelCommands(), async (commands) => {
        const clock = new ManualClock();
        const storeX = new MemoryStore({ now: clock.now, sweepIntervalMs: 0 });
        const storeY = new MemoryStore({ now: clock.now, sweepIntervalMs: 0 });
        const withCache = new ModelWorld([storeX, storeX], clock.now, cached);
        const without = new ModelWorld([storeY, storeY], clock.now, [false, false]);
        for (const command of commands) {
          if (command.op === 'advance') clock.advance(command.ms);
          const expected = await without.run(command);
          expect(await withCache.run(command)).toEqual(expected);
        }
        await storeX.close();
        await storeY.close();
      }),
      { numRuns: 150 },
    );
  });
});

describe('verified-credential cache', () => {
  function setup(options: Partial<ApiKeysOptions> = {}) {
    const clock = new ManualClock();
    const store = new InstrumentedStore(new MemoryStore({ now: clock.now, sweepIntervalMs: 0 }));
    const events: TokenkitEvent[] = [];
    const apiKeys = new ApiKeys({ store, secret: TEST_SECRET, now: clock.now, onEvent: (e) => events.push(e), ...options });
    return { clock, store, apiKeys, events };
  }

  it('a repeated verification skips the keyed hash and still asks the store', async () => {
    const hash = vi.spyOn(KeyedHasher.prototype, 'hash');
    const { apiKeys, store } = setup();
    const { key } = await apiKeys.create({ ownerId: 'o' });
    hash.mockClear();
    store.reset();
    for (let i = 0; i < 5; i++) expect((await apiKeys.verify(key)).valid).toBe(true);
    expect(hash).toHaveBeenCalledTimes(1);
    expect(store.calls.use).toBe(5);
  });

  it('with two secrets (rotation), one hash per secret on the first verification only', async () => {
    const candidates = vi.spyOn(KeyedHasher.prototype, 'candidates');
    const { apiKeys } = setup({ secret: [OTHER_SECRET, TEST_SECRET] });
    const { key } = await apiKeys.create({ ownerId: 'o' });
    for (let i = 0; i < 3; i++) expect((await apiKeys.verify(key)).valid).toBe(true);
    expect(candidates).toHaveBeenCalledTimes(1);
  });

  it('works with a longer prefix, and a key of another prefix is never served from it', async () => {
    const hash = vi.spyOn(KeyedHasher.prototype, 'hash');
    const { apiKeys } = setup({ prefix: 'sk_live' });
    const { key } = await apiKeys.create({ ownerId: 'o' });
    hash.mockClear();
    for (let i = 0; i < 3; i++) expect((await apiKeys.verify(key)).valid).toBe(true);
    expect(hash).toHaveBeenCalledTimes(1);
    // Same id and secret under the prefix `sk_test` (same length): a miss, and MALFORMED (wrong prefix).
    expect(await apiKeys.verify(key.replace('sk_live', 'sk_test'))).toEqual({ valid: false, code: 'MALFORMED' });
  });

  it('verifiedCache: false hashes every time', async () => {
    const hash = vi.spyOn(KeyedHasher.prototype, 'hash');
    const { apiKeys } = setup({ verifiedCache: false });
    const { key } = await apiKeys.create({ ownerId: 'o' });
    hash.mockClear();
    for (let i = 0; i < 3; i++) expect((await apiKeys.verify(key)).valid).toBe(true);
    expect(hash).toHaveBeenCalledTimes(3);
  });

  it('only successes enter: failed and forged credentials are hashed every time', async () => {
    const hash = vi.spyOn(KeyedHasher.prototype, 'hash');
    const { apiKeys } = setup();
    const { key, apiKey } = await apiKeys.create({ ownerId: 'o', scopes: ['read'] });
    hash.mockClear();
    expect((await apiKeys.verify(key, { scopes: ['admin'] })).valid).toBe(false);
    expect((await apiKeys.verify(key, { scopes: ['admin'] })).valid).toBe(false);
    expect(hash).toHaveBeenCalledTimes(2);
    expect((await apiKeys.verify(key)).valid).toBe(true);
    // A forged credential with the key's id: not the cached one, so hashed (and refused), and the real one stays cached.
    const forged = `sk_${apiKey.id}${key.slice(13, -6)}`;
    hash.mockClear();
    expect((await apiKeys.verify(`${forged}AAAAAA`)).valid).toBe(false);
    expect((await apiKeys.verify(key)).valid).toBe(true);
    expect(hash).toHaveBeenCalledTimes(0);
  });

  it('a revocation, expiry or used-up key is refused on the very next cached verification', async () => {
    const { apiKeys, clock } = setup();
    const a = await apiKeys.create({ ownerId: 'o' });
    const b = await apiKeys.create({ ownerId: 'o', expiresIn: '1m' });
    const c = await apiKeys.create({ ownerId: 'o', remaining: 2 });
    for (const { key } of [a, b, c]) expect((await apiKeys.verify(key)).valid).toBe(true);
    // Revoked by another manager on the same store (its own cache does not matter).
    const other = new ApiKeys({ store: apiKeys.store, secret: TEST_SECRET, now: clock.now });
    await other.revoke(a.apiKey.id);
    expect(await apiKeys.verify(a.key)).toEqual({ valid: false, code: 'REVOKED' });
    clock.advance(60_000);
    expect(await apiKeys.verify(b.key)).toEqual({ valid: false, code: 'EXPIRED' });
    expect((await apiKeys.verify(c.key)).valid).toBe(true);
    expect(await apiKeys.verify(c.key)).toEqual({ valid: false, code: 'USAGE_EXCEEDED' });
  });

  it('the old credential of a rotation ends with its grace, cached or not', async () => {
    const { apiKeys, clock } = setup();
    const { key, apiKey } = await apiKeys.create({ ownerId: 'o' });
    expect((await apiKeys.verify(key)).valid).toBe(true);
    const other = new ApiKeys({ store: apiKeys.store, secret: TEST_SECRET, now: clock.now });
    const rotated = await other.rotate(apiKey.id, { gracePeriod: '30s' });
    expect((await apiKeys.verify(key)).valid).toBe(true);
    expect((await apiKeys.verify(rotated!.key)).valid).toBe(true);
    clock.advance(30_000);
    expect(await apiKeys.verify(key)).toEqual({ valid: false, code: 'EXPIRED' });
    expect((await apiKeys.verify(rotated!.key)).valid).toBe(true);
  });

  it('never shows the credentials it holds (inspect, JSON, enumerable fields)', async () => {
    const { apiKeys } = setup();
    const { key } = await apiKeys.create({ ownerId: 'o' });
    expect((await apiKeys.verify(key)).valid).toBe(true);
    expect(inspect(apiKeys, { depth: 10, showHidden: true })).not.toContain(key.slice(3));
    expect(JSON.stringify(apiKeys)).not.toContain(key.slice(3));
    const cache = new VerifiedCache(10, 60_000);
    cache.remember('id', key, ['h'], 0);
    expect(inspect(cache, { showHidden: true })).toBe('VerifiedCache { size: 1 }');
    expect(JSON.stringify(cache)).toBe('{"size":1}');
  });

  it('events carry ids only, also on a cache hit', async () => {
    const { apiKeys, events } = setup();
    const { key } = await apiKeys.create({ ownerId: 'o' });
    await apiKeys.verify(key);
    await apiKeys.verify(key);
    expect(JSON.stringify(events)).not.toContain(key.slice(13));
  });

  it('rejects unusable options', () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    expect(() => new ApiKeys({ store, secret: TEST_SECRET, verifiedCache: { max: -1 } })).toThrow(ConfigError);
    expect(() => new ApiKeys({ store, secret: TEST_SECRET, verifiedCache: { max: 1.5 } })).toThrow(ConfigError);
    expect(() => new ApiKeys({ store, secret: TEST_SECRET, verifiedCache: { ttl: 0 } })).toThrow(ConfigError);
    expect(() => new ApiKeys({ store, secret: TEST_SECRET, verifiedCache: true as never })).toThrow(ConfigError);
    expect(() => new ApiKeys({ store, secret: TEST_SECRET, verifiedCache: { max: 0 } })).not.toThrow();
  });
});

describe('VerifiedCache', () => {
  it('drops the oldest entry at max, and entries past their age', () => {
    const cache = new VerifiedCache(2, 1000);
    cache.remember('a', 'cred-a', ['ha'], 0);
    cache.remember('b', 'cred-b', ['hb'], 10);
    cache.remember('c', 'cred-c', ['hc'], 20);
    expect(cache.hashes('a', 'cred-a', 20)).toBeUndefined();
    expect(cache.hashes('b', 'cred-b', 20)).toEqual(['hb']);
    expect(cache.hashes('c', 'cred-c', 1019)).toEqual(['hc']);
    expect(cache.hashes('c', 'cred-c', 1020)).toBeUndefined();
    expect(cache.size).toBe(1);
    // An insert drops expired entries from the front.
    cache.remember('d', 'cred-d', ['hd'], 5000);
    expect(cache.size).toBe(1);
  });

  it('a different credential for a cached id is a miss and leaves the entry; forget(id) drops it', () => {
    const cache = new VerifiedCache(10, 1000);
    cache.remember('a', 'cred-a', ['ha'], 0);
    expect(cache.hashes('a', 'cred-x', 0)).toBeUndefined();
    expect(cache.hashes('a', 'cred-a', 0)).toEqual(['ha']);
    cache.forget('a');
    expect(cache.size).toBe(0);
  });

  it('hands out a frozen copy of the hashes', () => {
    const cache = new VerifiedCache(10, 1000);
    const hashes = ['h1'];
    cache.remember('a', 'cred-a', hashes, 0);
    hashes[0] = 'changed';
    const got = cache.hashes('a', 'cred-a', 0)!;
    expect(got).toEqual(['h1']);
    expect(Object.isFrozen(got)).toBe(true);
  });
});
