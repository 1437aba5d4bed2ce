import { describe, expect, it } from 'vitest';
import { checksum, generateCredential } from '../credential/credential.js';
import { ConfigError, InvalidArgumentError, StoreUnavailableError } from '../errors.js';
import type { TokenkitEvent } from '../events.js';
import { MemoryStore } from '../store/memory-store.js';
import type { Store } from '../store/types.js';
import { InstrumentedStore, ManualClock, OTHER_SECRET, TEST_SECRET } from '../test-utils/stores.js';
import { type ApiKey, type ApiKeyRecord, ApiKeys, type ApiKeysOptions, type CreateApiKeyOptions, verifyInTick } from './index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function setup(options: Partial<ApiKeysOptions> = {}) {
  const clock = new ManualClock();
  const memory = new MemoryStore({ now: clock.now, sweepIntervalMs: 0 });
  const store = new InstrumentedStore(memory);
  const events: TokenkitEvent[] = [];
  const apiKeys = new ApiKeys({ store, secret: TEST_SECRET, now: clock.now, onEvent: (e) => events.push(e), ...options });
  return { clock, memory, store, apiKeys, events };
}

/** A credential with a real key's id but another secret (and a valid checksum). */
function forge(key: string, prefix = 'sk'): string {
  const id = key.slice(prefix.length + 1, prefix.length + 11);
  const other = generateCredential(prefix).credential;
  const head = `${prefix}_${id}${other.slice(prefix.length + 11, -6)}`;
  return head + checksum(head);
}

describe('ApiKeys', () => {
  describe('create', () => {
    it('returns the key once and a record without hash or secret', async () => {
      const { apiKeys, clock, memory } = setup();
      const { key, apiKey } = await apiKeys.create({ ownerId: 'user_1' });
      expect(key).toMatch(/^sk_[0-9A-Za-z]{48}$/);
      const id = key.slice(3, 13);
      expect(apiKey).toEqual({
        id,
        prefix: 'sk',
        start: `sk_${id.slice(0, 4)}`,
        ownerId: 'user_1',
        name: null,
        scopes: [],
        meta: {},
        createdAt: clock.time,
        expiresAt: null,
        revokedAt: null,
        remaining: null,
        rateLimit: null,
        lastUsedAt: null,
      } satisfies ApiKey);
      expect(apiKeys.prefix).toBe('sk');
      const [stored] = memory.dump();
      expect(stored?.record.hash).toMatch(/^v[A-Za-z0-9_-]{6}\$[A-Za-z0-9_-]{43}$/);
      expect(JSON.stringify(apiKey)).not.toContain(key.slice(13));
    });

    it('stores every option: name, de-duplicated scopes, expiry, remaining, rate limit, meta', async () => {
      const { apiKeys, clock } = setup({ prefix: 'sk_live' });
      const { key, apiKey } = await apiKeys.create({
        ownerId: 'user_1',
        name: 'CI deploy',
        scopes: ['read', 'write', 'read'],
        expiresIn: '30d',
        remaining: 100,
        rateLimit: { limit: 10, window: '1m' },
        meta: { team: 'infra', n: [1, 2] },
      });
      expect(key.startsWith('sk_live_')).toBe(true);
      expect(apiKey).toMatchObject({
        prefix: 'sk_live',
        start: `sk_live_${apiKey.id.slice(0, 4)}`,
        name: 'CI deploy',
        scopes: ['read', 'write'],
        expiresAt: clock.time + 30 * DAY,
        remaining: 100,
        rateLimit: { limit: 10, windowMs: MINUTE },
        meta: { team: 'infra', n: [1, 2] },
      });
      expect(await apiKeys.get(apiKey.id)).toEqual(apiKey);
    });

    it.each<[string, Partial<CreateApiKeyOptions> | undefined, string]>([
      ['no options', undefined, 'ownerId must be a non-empty string of at most 256 characters'],
      ['empty ownerId', { ownerId: '' }, 'ownerId must be a non-empty string'],
      ['numeric ownerId', { ownerId: 7 as unknown as string }, 'ownerId must be a non-empty string'],
      ['remaining 0', { remaining: 0 }, 'remaining must be a positive integer, got 0'],
      ['remaining -1', { remaining: -1 }, 'remaining must be a positive integer, got -1'],
      ['remaining 1.5', { remaining: 1.5 }, 'remaining must be a positive integer, got 1.5'],
      ['scopes not an array', { scopes: 'read' as unknown as string[] }, 'scopes must be an array of non-empty strings'],
      ['empty scope', { scopes: [''] }, 'scopes must be an array of non-empty strings'],
      ['meta array', { meta: [] as unknown as Record<string, unknown> }, 'meta must be a plain JSON object'],
      ['meta with a BigInt', { meta: { n: 1n } }, 'meta must be JSON-serialisable'],
      ['meta > 8 KiB', { meta: { big: 'x'.repeat(9000) } }, 'meta must be at most 8192 bytes as JSON'],
      ['rateLimit.limit 0', { rateLimit: { limit: 0, window: '1m' } }, 'rateLimit.limit must be a positive integer, got 0'],
      ['rateLimit.window 0', { rateLimit: { limit: 1, window: 0 } }, 'rateLimit.window must be a positive integer, got 0'],
      ['rateLimit.window bad', { rateLimit: { limit: 1, window: 'often' as '1m' } }, 'rateLimit.window must be milliseconds or a string like'],
      ['expiresIn 0', { expiresIn: 0 }, 'expiresIn must be a positive integer, got 0'],
      ['expiresIn negative', { expiresIn: -5 }, 'expiresIn must be a non-negative number of milliseconds'],
      ['expiresIn garbage', { expiresIn: 'tomorrow' as '1d' }, `expiresIn must be milliseconds or a string like '500ms', '30s', '15m', '1h', '7d'; got "tomorrow"`],
    ])('%s -> InvalidArgumentError', async (_label, options, message) => {
      const { apiKeys, store } = setup();
      const call = () =>
        apiKeys.create(options === undefined ? (undefined as unknown as CreateApiKeyOptions) : { ownerId: 'o', ...options });
      await expect(call()).rejects.toThrow(InvalidArgumentError);
      await expect(call()).rejects.toThrow(message);
      await expect(call()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', name: 'InvalidArgumentError' });
      expect(store.calls.put).toBe(0);
    });
  });

  describe('verify: every result code', () => {
    it('valid: returns the key with lastUsedAt = now and spends one use', async () => {
      const { apiKeys, clock } = setup();
      const { key, apiKey } = await apiKeys.create({ ownerId: 'o', remaining: 3, scopes: ['read'] });
      clock.advance(5000);
      const result = await apiKeys.verify(key, { scopes: ['read'] });
      expect(result).toEqual({ valid: true, apiKey: { ...apiKey, remaining: 2, lastUsedAt: clock.time } });
    });

    it('MALFORMED without a store call', async () => {
      const { apiKeys, store } = setup();
      const { key } = await apiKeys.create({ ownerId: 'o' });
      store.reset();
      for (const input of ['', 'sk_', key.slice(0, -1), `${key}x`, key.replace('sk_', 'pk_'), key.toUpperCase(), 42, undefined]) {
        expect(await apiKeys.verify(input)).toEqual({ valid: false, code: 'MALFORMED' });
      }
      expect(store.total()).toBe(0);
    });

    it('NOT_FOUND for a well-formed key never issued, and for a forged secret on a real id (which spends nothing)', async () => {
      const { apiKeys } = setup();
      expect(await apiKeys.verify(generateCredential('sk').credential)).toEqual({ valid: false, code: 'NOT_FOUND' });
      const { key, apiKey } = await apiKeys.create({ ownerId: 'o', remaining: 1 });
      expect(await apiKeys.verify(forge(key))).toEqual({ valid: false, code: 'NOT_FOUND' });
      expect((await apiKeys.get(apiKey.id))?.remaining).toBe(1);
      expect((await apiKeys.verify(key)).valid).toBe(true);
    });

    it('REVOKED after revoke(); revoke is idempotent and keeps the record readable', async () => {
      const { apiKeys, clock, events } = setup();
      const { key, apiKey } = await apiKeys.create({ ownerId: 'o' });
      clock.advance(1000);
      const revoked = await apiKeys.revoke(apiKey.id);
      expect(revoked).toEqual({ ...apiKey, revokedAt: clock.time });
      expect(await apiKeys.verify(key)).toEqual({ valid: false, code: 'REVOKED' });
      clock.advance(1000);
      expect(await apiKeys.revoke(apiKey.id)).toEqual(revoked);
      expect(events.filter((e) => e.type === 'apikey.revoked')).toHaveLength(1);
      expect(await apiKeys.revoke('unknownid0')).toBeNull();
      expect(await apiKeys.revoke(42 as unknown as string)).toBeNull();
    });

    it('EXPIRED at the boundary: valid 1 ms before expiresAt, EXPIRED at it', async () => {
      const { apiKeys, clock } = setup();
      const { key, apiKey } = await apiKeys.create({ ownerId: 'o', expiresIn: '1h' });
      expect(apiKey.expiresAt).toBe(clock.time + HOUR);
      clock.time = apiKey.expiresAt! - 1;
      expect((await apiKeys.verify(key)).valid).toBe(true);
      clock.time = apiKey.expiresAt!;
      expect(await apiKeys.verify(key)).toEqual({ valid: false, code: 'EXPIRED' });
      // Readable (get) during the retention period, then gone.
      expect((await apiKeys.get(apiKey.id))?.id).toBe(apiKey.id);
      clock.time = apiKey.expiresAt! + 7 * DAY;
      expect(await apiKeys.get(apiKey.id)).toBeNull();
      expect(await apiKeys.verify(key)).toEqual({ valid: false, code: 'NOT_FOUND' });
    });

    it('INSUFFICIENT_SCOPE unless every requested scope is granted', async () => {
      const { apiKeys } = setup();
      const { key } = await apiKeys.create({ ownerId: 'o', scopes: ['read', 'write'] });
      expect((await apiKeys.verify(key, { scopes: ['read'] })).valid).toBe(true);
      expect((await apiKeys.verify(key, { scopes: ['read', 'write'] })).valid).toBe(true);
      expect((await apiKeys.verify(key, { scopes: [] })).valid).toBe(true);
      expect((await apiKeys.verify(key)).valid).toBe(true);
      expect(await apiKeys.verify(key, { scopes: ['admin'] })).toEqual({ valid: false, code: 'INSUFFICIENT_SCOPE' });
      expect(await apiKeys.verify(key, { scopes: ['read', 'admin'] })).toEqual({ valid: false, code: 'INSUFFICIENT_SCOPE' });
      const { key: bare } = await apiKeys.create({ ownerId: 'o' });
      expect(await apiKeys.verify(bare, { scopes: ['read'] })).toEqual({ valid: false, code: 'INSUFFICIENT_SCOPE' });
    });

    it('RATE_LIMITED with retryAfterMs until the window resets', async () => {
      const { apiKeys, clock } = setup();
      const { key } = await apiKeys.create({ ownerId: 'o', rateLimit: { limit: 2, window: '1m' } });
      // Successes report the window (for RateLimit headers); the rejection reports the rule.
      expect(await apiKeys.verify(key)).toMatchObject({ valid: true, window: { remaining: 1, resetMs: 60_000 } });
      clock.advance(10_000);
      expect(await apiKeys.verify(key)).toMatchObject({ valid: true, window: { remaining: 0, resetMs: 50_000 } });
      clock.advance(5_000);
      const rule = { limit: 2, windowMs: 60_000 };
      expect(await apiKeys.verify(key)).toEqual({ valid: false, code: 'RATE_LIMITED', retryAfterMs: 45_000, rateLimit: rule });
      clock.advance(44_999);
      expect(await apiKeys.verify(key)).toEqual({ valid: false, code: 'RATE_LIMITED', retryAfterMs: 1, rateLimit: rule });
      clock.advance(1);
      expect((await apiKeys.verify(key)).valid).toBe(true);
    });

    it('USAGE_EXCEEDED once remaining is spent', async () => {
      const { apiKeys } = setup();
      const { key, apiKey } = await apiKeys.create({ ownerId: 'o', remaining: 2 });
      expect(await apiKeys.verify(key)).toMatchObject({ valid: true, apiKey: { remaining: 1 } });
      expect(await apiKeys.verify(key)).toMatchObject({ valid: true, apiKey: { remaining: 0 } });
      expect(await apiKeys.verify(key)).toEqual({ valid: false, code: 'USAGE_EXCEEDED' });
      expect((await apiKeys.get(apiKey.id))?.remaining).toBe(0);
    });
  });

  describe('check order: MALFORMED → NOT_FOUND → REVOKED → EXPIRED → INSUFFICIENT_SCOPE → RATE_LIMITED → USAGE_EXCEEDED', () => {
    it('revoked AND expired AND wrong scope → REVOKED', async () => {
      const { apiKeys, clock } = setup();
      const { key, apiKey } = await apiKeys.create({ ownerId: 'o', expiresIn: '1m', scopes: ['read'] });
      await apiKeys.revoke(apiKey.id);
      clock.advance(2 * MINUTE);
      expect(await apiKeys.verify(key, { scopes: ['admin'] })).toEqual({ valid: false, code: 'REVOKED' });
    });

    it('expired AND wrong scope AND used up → EXPIRED', async () => {
      const { apiKeys, clock } = setup();
      const { key } = await apiKeys.create({ ownerId: 'o', expiresIn: '1m', remaining: 1 });
      await apiKeys.verify(key);
      clock.advance(MINUTE);
      expect(await apiKeys.verify(key, { scopes: ['admin'] })).toEqual({ valid: false, code: 'EXPIRED' });
    });

    it('wrong scope while rate-limited → INSUFFICIENT_SCOPE; rate-limited while used up → RATE_LIMITED', async () => {
      const { apiKeys, clock } = setup();
      const { key } = await apiKeys.create({ ownerId: 'o', remaining: 1, rateLimit: { limit: 1, window: '1m' }, scopes: ['read'] });
      expect((await apiKeys.verify(key)).valid).toBe(true);
      expect(await apiKeys.verify(key, { scopes: ['admin'] })).toEqual({ valid: false, code: 'INSUFFICIENT_SCOPE' });
      expect(await apiKeys.verify(key)).toEqual({
        valid: false,
        code: 'RATE_LIMITED',
        retryAfterMs: MINUTE,
        rateLimit: { limit: 1, windowMs: MINUTE },
      });
      clock.advance(MINUTE);
      expect(await apiKeys.verify(key)).toEqual({ valid: false, code: 'USAGE_EXCEEDED' });
    });

    it('a rejected request never spends a use (rate limited, wrong scope, revoked)', async () => {
      const { apiKeys, clock } = setup();
      const { key, apiKey } = await apiKeys.create({ ownerId: 'o', remaining: 5, rateLimit: { limit: 1, window: '1m' }, scopes: ['read'] });
      expect(await apiKeys.verify(key)).toMatchObject({ valid: true, apiKey: { remaining: 4 } });
      for (let i = 0; i < 3; i++) expect(await apiKeys.verify(key)).toMatchObject({ valid: false, code: 'RATE_LIMITED' });
      for (let i = 0; i < 3; i++) expect(await apiKeys.verify(key, { scopes: ['admin'] })).toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
      expect((await apiKeys.get(apiKey.id))?.remaining).toBe(4);
      clock.advance(MINUTE);
      expect(await apiKeys.verify(key)).toMatchObject({ valid: true, apiKey: { remaining: 3 } });
      await apiKeys.revoke(apiKey.id);
      expect(await apiKeys.verify(key)).toMatchObject({ code: 'REVOKED' });
      expect((await apiKeys.get(apiKey.id))?.remaining).toBe(3);
    });
  });

  describe('rotate', () => {
    it('returns null for a key with no uses left (its replacement would be dead on arrival)', async () => {
      const { apiKeys } = setup();
      const { key, apiKey } = await apiKeys.create({ ownerId: 'o', remaining: 1 });
      expect((await apiKeys.verify(key)).valid).toBe(true);
      expect(await apiKeys.rotate(apiKey.id)).toBeNull();
      expect(await apiKeys.list({ ownerId: 'o' })).toHaveLength(1);
    });

    it('verify with scopes that are not an array is an InvalidArgumentError, not a store failure', async () => {
      const { apiKeys } = setup();
      const { key } = await apiKeys.create({ ownerId: 'o', scopes: ['read'] });
      await expect(apiKeys.verify(key, { scopes: 'read' as unknown as string[] })).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
    });

    it('without grace: the old key is EXPIRED at once, the new one works and carries the config over', async () => {
      const { apiKeys, clock } = setup();
      const { key: oldKey, apiKey: old } = await apiKeys.create({
        ownerId: 'o',
        name: 'deploy',
        scopes: ['read'],
        expiresIn: '30d',
        remaining: 10,
        rateLimit: { limit: 100, window: '1h' },
        meta: { env: 'prod' },
      });
      await apiKeys.verify(oldKey);
      await apiKeys.verify(oldKey);
      clock.advance(HOUR);
      const rotated = await apiKeys.rotate(old.id);
      expect(rotated).not.toBeNull();
      const { key: newKey, apiKey: fresh } = rotated!;
      expect(newKey).not.toBe(oldKey);
      // Same key, new secret: the id (and so `start`) stays, as does everything else.
      expect(newKey.slice(0, 13)).toBe(oldKey.slice(0, 13));
      expect(fresh).toMatchObject({
        id: old.id,
        start: old.start,
        ownerId: 'o',
        name: 'deploy',
        scopes: ['read'],
        meta: { env: 'prod' },
        rateLimit: { limit: 100, windowMs: HOUR },
        expiresAt: old.expiresAt,
        remaining: 8,
        createdAt: old.createdAt,
        revokedAt: null,
      });
      expect(rotated!.previousExpiresAt).toBe(clock.time);
      expect(await apiKeys.verify(oldKey)).toEqual({ valid: false, code: 'EXPIRED' });
      expect(await apiKeys.verify(newKey, { scopes: ['read'] })).toMatchObject({ valid: true, apiKey: { remaining: 7 } });
      expect(await apiKeys.list({ ownerId: 'o' })).toHaveLength(1);
    });

    it("with grace: the old key works until now + grace, then EXPIRED; a key's own earlier expiry wins", async () => {
      const { apiKeys, clock } = setup();
      const { key: oldKey, apiKey: old } = await apiKeys.create({ ownerId: 'o' });
      const start = clock.time;
      const rotated = await apiKeys.rotate(old.id, { gracePeriod: '1h' });
      expect(rotated!.previousExpiresAt).toBe(start + HOUR);
      expect((await apiKeys.get(old.id))?.expiresAt).toBeNull();
      clock.time = start + HOUR - 1;
      expect((await apiKeys.verify(oldKey)).valid).toBe(true);
      expect((await apiKeys.verify(rotated!.key)).valid).toBe(true);
      clock.time = start + HOUR;
      expect(await apiKeys.verify(oldKey)).toEqual({ valid: false, code: 'EXPIRED' });
      expect((await apiKeys.verify(rotated!.key)).valid).toBe(true);

      const { apiKey: short } = await apiKeys.create({ ownerId: 'o', expiresIn: '10m' });
      expect((await apiKeys.rotate(short.id, { gracePeriod: '1d' }))?.previousExpiresAt).toBe(short.expiresAt);
      expect((await apiKeys.get(short.id))?.expiresAt).toBe(short.expiresAt);
      await expect(apiKeys.rotate(short.id, { gracePeriod: 'a while' as '1h' })).rejects.toThrow(InvalidArgumentError);
    });

    it('returns null for unknown, revoked and expired keys (and creates nothing)', async () => {
      const { apiKeys, clock, store } = setup();
      const { apiKey: revoked } = await apiKeys.create({ ownerId: 'o' });
      await apiKeys.revoke(revoked.id);
      const { apiKey: expiring } = await apiKeys.create({ ownerId: 'o', expiresIn: '1m' });
      clock.advance(MINUTE);
      store.reset();
      expect(await apiKeys.rotate('unknownid0')).toBeNull();
      expect(await apiKeys.rotate(revoked.id)).toBeNull();
      expect(await apiKeys.rotate(expiring.id)).toBeNull();
      expect(await apiKeys.rotate(42 as unknown as string)).toBeNull();
      expect(store.calls.put).toBe(0);
      expect(await apiKeys.list({ ownerId: 'o' })).toHaveLength(2);
    });
  });

  it('list: lastUsedAt is null until a key is used, then the time of use', async () => {
    const { apiKeys, clock } = setup();
    const first = await apiKeys.create({ ownerId: 'lu' });
    clock.advance(1000);
    const second = await apiKeys.create({ ownerId: 'lu' });
    clock.advance(1000);
    const third = await apiKeys.create({ ownerId: 'lu' });
    expect((await apiKeys.list({ ownerId: 'lu' })).map((k) => k.lastUsedAt)).toEqual([null, null, null]);
    clock.advance(5000);
    await apiKeys.verify(second.key);
    await new Promise((resolve) => setImmediate(resolve));
    const listed = await apiKeys.list({ ownerId: 'lu' });
    expect(listed.map((k) => [k.id, k.lastUsedAt])).toEqual([
      [third.apiKey.id, null],
      [second.apiKey.id, clock.now()],
      [first.apiKey.id, null],
    ]);
  });

  it('list: the owner’s keys newest first, revoked ones included until retention ends', async () => {
    const { apiKeys, clock } = setup({ retention: '1d' });
    const a = await apiKeys.create({ ownerId: 'alice', name: 'a' });
    clock.advance(1000);
    const b = await apiKeys.create({ ownerId: 'alice', name: 'b' });
    clock.advance(1000);
    const c = await apiKeys.create({ ownerId: 'alice', name: 'c' });
    await apiKeys.create({ ownerId: 'bob', name: 'other' });
    await apiKeys.revoke(b.apiKey.id);
    expect((await apiKeys.list({ ownerId: 'alice' })).map((k) => k.name)).toEqual(['c', 'b', 'a']);
    expect((await apiKeys.list({ ownerId: 'alice' }))[1]?.revokedAt).toBe(clock.time);
    expect(await apiKeys.list({ ownerId: 'nobody' })).toEqual([]);
    clock.advance(DAY);
    expect((await apiKeys.list({ ownerId: 'alice' })).map((k) => k.id)).toEqual([c.apiKey.id, a.apiKey.id]);
    await expect(apiKeys.list({ ownerId: '' })).rejects.toThrow(InvalidArgumentError);
  });

  it('get: the key by id, null when unknown', async () => {
    const { apiKeys } = setup();
    const { apiKey } = await apiKeys.create({ ownerId: 'o' });
    expect(await apiKeys.get(apiKey.id)).toEqual(apiKey);
    expect(await apiKeys.get('unknownid0')).toBeNull();
    expect(await apiKeys.get(undefined as unknown as string)).toBeNull();
  });

  it('lastUsedAt is coalesced: at most one store write per key per minute', async () => {
    const { apiKeys, clock, store } = setup();
    const { key, apiKey } = await apiKeys.create({ ownerId: 'o' });
    const { key: key2 } = await apiKeys.create({ ownerId: 'o' });
    store.reset();
    const t0 = clock.time;
    for (let i = 0; i < 10; i++) expect(await apiKeys.verify(key)).toMatchObject({ valid: true, apiKey: { lastUsedAt: t0 } });
    expect(store.calls.update).toBe(1);
    expect(store.updates[0]).toEqual({ ns: 'key', id: apiKey.id, patch: { lastUsedAt: t0 } });
    expect((await apiKeys.get(apiKey.id))?.lastUsedAt).toBe(t0);
    clock.time = t0 + MINUTE - 1;
    expect(await apiKeys.verify(key)).toMatchObject({ valid: true, apiKey: { lastUsedAt: t0 + MINUTE - 1 } });
    expect(store.calls.update).toBe(1);
    await apiKeys.verify(key2);
    expect(store.calls.update).toBe(2);
    clock.time = t0 + MINUTE;
    await apiKeys.verify(key);
    expect(store.calls.update).toBe(3);
    expect((await apiKeys.get(apiKey.id))?.lastUsedAt).toBe(t0 + MINUTE);
    // Every verification is exactly one store operation; the writes above are the only extra ones.
    expect(store.calls.use).toBe(13);
  });

  it('lastUsedAt written recently by another process (seen in the record) suppresses this one\'s write', async () => {
    const { apiKeys, clock, store, memory } = setup();
    const { key, apiKey } = await apiKeys.create({ ownerId: 'o' });
    // Another process verified the key 30 s ago and wrote lastUsedAt.
    await memory.update<ApiKeyRecord>('key', apiKey.id, { lastUsedAt: clock.time - 30_000 });
    store.reset();
    expect(await apiKeys.verify(key)).toMatchObject({ valid: true });
    expect(store.calls.update).toBe(0);
    clock.time += 30_000; // now a full minute after the other write
    expect(await apiKeys.verify(key)).toMatchObject({ valid: true });
    expect(store.calls.update).toBe(1);
  });

  it('a failing lastUsedAt write does not fail the verification', async () => {
    const { apiKeys, store } = setup();
    const { key } = await apiKeys.create({ ownerId: 'o' });
    const update = store.update.bind(store);
    store.update = () => Promise.reject(new Error('write failed'));
    expect((await apiKeys.verify(key)).valid).toBe(true);
    store.update = update;
  });

  it('secret rotation: old keys verify with [new, old]; unknown secrets do not; new keys are signed with the first', async () => {
    const clock = new ManualClock();
    const memory = new MemoryStore({ now: clock.now, sweepIntervalMs: 0 });
    const before = new ApiKeys({ store: memory, secret: TEST_SECRET, now: clock.now });
    const during = new ApiKeys({ store: memory, secret: [OTHER_SECRET, TEST_SECRET], now: clock.now });
    const after = new ApiKeys({ store: memory, secret: OTHER_SECRET, now: clock.now });
    const stranger = new ApiKeys({ store: memory, secret: 'stranger-secret-aaaaaaaaaaaaaaaaaaaaaaaa', now: clock.now });
    const { key: oldKey } = await before.create({ ownerId: 'o' });
    expect((await during.verify(oldKey)).valid).toBe(true);
    expect(await after.verify(oldKey)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect(await stranger.verify(oldKey)).toEqual({ valid: false, code: 'NOT_FOUND' });
    const { key: newKey, apiKey } = await during.create({ ownerId: 'o' });
    expect((await after.verify(newKey)).valid).toBe(true);
    expect(await before.verify(newKey)).toEqual({ valid: false, code: 'NOT_FOUND' });
    const oldTag = memory.dump().find((r) => r.record.id !== apiKey.id)?.record.hash.split('$')[0];
    const newTag = memory.dump().find((r) => r.record.id === apiKey.id)?.record.hash.split('$')[0];
    expect(oldTag).not.toBe(newTag);
  });

  describe('configuration errors', () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    it.each<[string, unknown, string | RegExp]>([
      ['missing store', { secret: TEST_SECRET }, 'ApiKeys: options.store is required, e.g. { store: new MemoryStore() }'],
      ['no options', undefined, 'ApiKeys: options.store is required'],
      ['a plain copy of a store (methods live on the prototype)', { store: { ...store }, secret: TEST_SECRET }, 'ApiKeys: options.store does not implement Store.put()'],
      ['upper-case prefix', { store, secret: TEST_SECRET, prefix: 'SK' }, `ApiKeys: prefix "SK" is invalid; use lower-case letters/digits like 'sk' or 'sk_live' (max 16)`],
      ['dash in prefix', { store, secret: TEST_SECRET, prefix: 'sk-live' }, 'ApiKeys: prefix "sk-live" is invalid'],
      ['17-char prefix', { store, secret: TEST_SECRET, prefix: 'a'.repeat(17) }, 'is invalid'],
      ['trailing underscore', { store, secret: TEST_SECRET, prefix: 'sk_' }, 'ApiKeys: prefix "sk_" is invalid'],
      ['short secret', { store, secret: 'hunter2' }, /secret must be a string of at least 32 characters; generate one with `openssl rand -base64 32`/],
      ['short secret in a list', { store, secret: [TEST_SECRET, 'hunter2'] }, /^secret\[1\] must be a string of at least 32/],
      ['now not a function', { store, secret: TEST_SECRET, now: 5 }, 'ApiKeys: now must be a function returning epoch milliseconds'],
      ['bad retention', { store, secret: TEST_SECRET, retention: 'forever' }, 'ApiKeys: retention must be milliseconds or a string like'],
    ])('%s -> ConfigError', (_label, options, message) => {
      const build = () => new ApiKeys(options as ApiKeysOptions);
      expect(build).toThrow(ConfigError);
      expect(build).toThrow(message);
    });

    it('names every missing method of a partial store in one error', () => {
      const partial = { put: store.put, get: store.get, update: store.update, delete: store.delete, consume: store.consume } as unknown as Store;
      expect(() => new ApiKeys({ store: partial, secret: TEST_SECRET })).toThrow(
        'ApiKeys: options.store does not implement Store.use(), Store.hit(), Store.indexAdd(), Store.indexMembers(), Store.indexRemove();',
      );
    });
  });

  it('store failures surface as StoreUnavailableError (with the cause), never as valid: true/false', async () => {
    const { apiKeys, store } = setup();
    const { key, apiKey } = await apiKeys.create({ ownerId: 'o' });
    const failure = new Error('ECONNRESET');
    store.failure = failure;
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['verify', () => apiKeys.verify(key)],
      ['create', () => apiKeys.create({ ownerId: 'o' })],
      ['get', () => apiKeys.get(apiKey.id)],
      ['list', () => apiKeys.list({ ownerId: 'o' })],
      ['revoke', () => apiKeys.revoke(apiKey.id)],
      ['rotate', () => apiKeys.rotate(apiKey.id)],
    ];
    for (const [name, attempt] of attempts) {
      const error = await attempt().then(
        (value) => ({ resolved: value }),
        (err: unknown) => err,
      );
      expect(error, name).toBeInstanceOf(StoreUnavailableError);
      expect(error, name).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true, cause: failure });
      expect(String((error as Error).message), name).not.toContain(key);
    }
    store.failure = null;
    expect((await apiKeys.verify(key)).valid).toBe(true);
  });

  describe('same-tick verification (internal, for the HTTP guard)', () => {
    it('is not public API: verify() is the only verification method', () => {
      const { apiKeys } = setup();
      expect('verifyNow' in apiKeys).toBe(false);
      expect(Object.getOwnPropertyNames(ApiKeys.prototype).filter((name) => name.startsWith('verify'))).toEqual(['verify']);
    });

    it('answers in the same tick when the store does (MemoryStore), with a promise when it does not', async () => {
      const clock = new ManualClock();
      const direct = new ApiKeys({ store: new MemoryStore({ now: clock.now, sweepIntervalMs: 0 }), secret: TEST_SECRET, now: clock.now });
      const { key } = await direct.create({ ownerId: 'o', scopes: ['read'] });
      const answer = direct[verifyInTick](key, { scopes: ['read'] });
      expect(answer).not.toBeInstanceOf(Promise);
      expect(answer).toMatchObject({ valid: true, apiKey: { ownerId: 'o' } });
      expect(direct[verifyInTick](key, { scopes: ['write'] })).toEqual({ valid: false, code: 'INSUFFICIENT_SCOPE' });
      expect(direct[verifyInTick]('sk_nope')).toEqual({ valid: false, code: 'MALFORMED' });
      // verify() is the same answer, always as a promise.
      const promised = direct.verify(key);
      expect(promised).toBeInstanceOf(Promise);
      expect(await promised).toEqual(answer);

      const { apiKeys } = setup(); // an asynchronous store
      const created = await apiKeys.create({ ownerId: 'p' });
      const later = apiKeys[verifyInTick](created.key);
      expect(later).toBeInstanceOf(Promise);
      expect(await later).toMatchObject({ valid: true, apiKey: { ownerId: 'p' } });
    });

    it('a synchronous store failure is thrown as StoreUnavailableError; verify() rejects with it instead', async () => {
      class BrokenStore extends MemoryStore {
        override use(): never {
          throw new Error('disk on fire');
        }
      }
      const apiKeys = new ApiKeys({ store: new BrokenStore({ sweepIntervalMs: 0 }), secret: TEST_SECRET });
      const key = generateCredential('sk').credential;
      expect(() => apiKeys[verifyInTick](key)).toThrow(StoreUnavailableError);
      const verified = apiKeys.verify(key);
      expect(verified).toBeInstanceOf(Promise);
      await expect(verified).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', cause: new Error('disk on fire') });
      await expect(apiKeys.verify(key, { scopes: [1 as never] })).rejects.toBeInstanceOf(InvalidArgumentError);
    });
  });

  it('a store that throws StoreUnavailableError passes it through unchanged', async () => {
    const { apiKeys, store } = setup();
    const { key } = await apiKeys.create({ ownerId: 'o' });
    const original = new StoreUnavailableError('redis timed out', { retryAfterMs: 250 });
    store.failure = original;
    await expect(apiKeys.verify(key)).rejects.toBe(original);
  });
});
