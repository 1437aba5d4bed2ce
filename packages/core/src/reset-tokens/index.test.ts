import { describe, expect, it } from 'vitest';
import { checksum, generateCredential } from '../credential/credential.js';
import { ConfigError, InvalidArgumentError, StoreUnavailableError } from '../errors.js';
import type { TokenkitEvent } from '../events.js';
import { MemoryStore } from '../store/memory-store.js';
import { InstrumentedStore, ManualClock, OTHER_SECRET, TEST_SECRET } from '../test-utils/stores.js';
import { ResetTokens, type ResetTokensOptions } from './index.js';

const HOUR = 3_600_000;

function setup(options: Partial<ResetTokensOptions> = {}) {
  const clock = new ManualClock();
  const memory = new MemoryStore({ now: clock.now, sweepIntervalMs: 0 });
  const store = new InstrumentedStore(memory);
  const events: TokenkitEvent[] = [];
  const resets = new ResetTokens({ store, secret: TEST_SECRET, now: clock.now, onEvent: (e) => events.push(e), ...options });
  return { clock, memory, store, resets, events };
}

describe('ResetTokens', () => {
  it('issues rst_ tokens that expire after the default ttl of 1h', async () => {
    const { resets, clock } = setup();
    expect(resets.ttl).toBe(HOUR);
    const issued = await resets.issue('user-1', { meta: { ip: '203.0.113.9' } });
    expect(issued.token).toMatch(/^rst_[0-9A-Za-z]{48}$/);
    const reset = { id: issued.token.slice(4, 14), userId: 'user-1', expiresAt: clock.time + HOUR, createdAt: clock.time, meta: { ip: '203.0.113.9' } };
    expect(issued.reset).toEqual(reset);
    expect(await resets.check(issued.token)).toEqual({ valid: true, reset });
  });

  it('check does not consume; consume is single use', async () => {
    const { resets } = setup();
    const { token, reset } = await resets.issue('user-1');
    expect((await resets.check(token)).valid).toBe(true);
    expect((await resets.check(token)).valid).toBe(true);
    expect(await resets.consume(token)).toEqual({ valid: true, reset });
    expect(reset.meta).toEqual({});
    expect(await resets.consume(token)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect(await resets.check(token)).toEqual({ valid: false, code: 'NOT_FOUND' });
  });

  it('MALFORMED for garbage and for another prefix, without a store call', async () => {
    const { resets, store } = setup();
    const other = generateCredential('sk').credential;
    store.reset();
    for (const input of ['', 'rst_', 'not a token', other, 42, null]) {
      expect(await resets.check(input)).toEqual({ valid: false, code: 'MALFORMED' });
      expect(await resets.consume(input)).toEqual({ valid: false, code: 'MALFORMED' });
    }
    expect(store.total()).toBe(0);
  });

  it('NOT_FOUND for a well-formed token that was never issued, and for a forged secret on a real id', async () => {
    const { resets } = setup();
    const {
      token,
      reset: { id },
    } = await resets.issue('user-1');
    const neverIssued = generateCredential('rst').credential;
    expect(await resets.check(neverIssued)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect(await resets.consume(neverIssued)).toEqual({ valid: false, code: 'NOT_FOUND' });
    // Same id, different secret, valid checksum: the hash does not match.
    const forged = generateCredential('rst').credential.replace(/^rst_.{10}/, `rst_${id}`);
    const forgedValid = forged.slice(0, -6) + checksum(forged.slice(0, -6));
    expect(await resets.consume(forgedValid)).toEqual({ valid: false, code: 'NOT_FOUND' });
    // ...and the failed attempt did not burn the real token.
    expect((await resets.consume(token)).valid).toBe(true);
  });

  it('expires at the boundary: valid 1 ms before expiresAt, EXPIRED at it (store and manager share the clock)', async () => {
    const { resets, clock } = setup({ ttl: '15m' });
    const {
      token,
      reset: { expiresAt },
    } = await resets.issue('user-1');
    expect(expiresAt).toBe(clock.time + 15 * 60_000);
    clock.time = expiresAt - 1;
    expect((await resets.check(token)).valid).toBe(true);
    clock.time = expiresAt;
    expect(await resets.check(token)).toEqual({ valid: false, code: 'EXPIRED' });
    expect(await resets.consume(token)).toEqual({ valid: false, code: 'EXPIRED' });
    // Consuming an expired token deletes it.
    expect(await resets.check(token)).toEqual({ valid: false, code: 'NOT_FOUND' });
  });

  it('an expired token answers EXPIRED for an hour after expiry, then the store drops it', async () => {
    const { resets, clock, memory } = setup({ ttl: '15m' });
    const {
      token,
      reset: { expiresAt },
    } = await resets.issue('user-1');
    clock.time = expiresAt + HOUR - 1;
    expect(await resets.check(token)).toEqual({ valid: false, code: 'EXPIRED' });
    clock.time = expiresAt + HOUR;
    expect(await resets.check(token)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect(memory.dump().filter(({ ns }) => ns === 'rst')).toEqual([]);
  });

  it("onIssue 'revoke-previous' (default): a new token invalidates the user's older ones only", async () => {
    const { resets } = setup();
    const first = await resets.issue('user-1');
    const other = await resets.issue('user-2');
    const second = await resets.issue('user-1');
    expect(await resets.check(first.token)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect((await resets.check(second.token)).valid).toBe(true);
    expect((await resets.check(other.token)).valid).toBe(true);
  });

  it("'revoke-previous' keeps one record per user at an id derived from the user id with the secret", async () => {
    const { resets, memory } = setup();
    const first = await resets.issue('user-1');
    const second = await resets.issue('user-1');
    expect(second.reset.id).toBe(first.reset.id);
    expect(second.token).not.toBe(first.token);
    expect(memory.dump().filter(({ ns }) => ns === 'rst')).toHaveLength(1);
    // Another secret derives another id: ids cannot be computed without the secret.
    const { resets: other } = setup({ secret: OTHER_SECRET });
    expect((await other.issue('user-1')).reset.id).not.toBe(first.reset.id);
  });

  it("'revoke-previous' across a secret rotation: the token at the old secret's id is deleted too", async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ now: clock.now, sweepIntervalMs: 0 });
    const before = new ResetTokens({ store, secret: TEST_SECRET, now: clock.now });
    const during = new ResetTokens({ store, secret: [OTHER_SECRET, TEST_SECRET], now: clock.now });
    const old = await before.issue('user-1');
    const kept = await new ResetTokens({ store, secret: TEST_SECRET, now: clock.now, onIssue: 'keep' }).issue('user-1');
    const fresh = await during.issue('user-1');
    expect(fresh.reset.id).not.toBe(old.reset.id);
    expect(await during.check(old.token)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect(await during.check(kept.token)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect((await during.check(fresh.token)).valid).toBe(true);
    expect(store.dump().filter(({ ns }) => ns === 'rst')).toHaveLength(1);
  });

  it("'revoke-previous': a consume racing a new issue cannot hide the new token from revokeAll", async () => {
    const { resets } = setup();
    const first = await resets.issue('user-1');
    const [consumed, second] = await Promise.all([resets.consume(first.token), resets.issue('user-1')]);
    expect(consumed.valid || (await resets.check(second.token)).valid).toBe(true);
    await resets.revokeAll('user-1');
    expect(await resets.check(second.token)).toEqual({ valid: false, code: 'NOT_FOUND' });
  });

  it("onIssue 'keep': earlier tokens stay valid", async () => {
    const { resets } = setup({ onIssue: 'keep' });
    const first = await resets.issue('user-1');
    const second = await resets.issue('user-1');
    expect((await resets.check(first.token)).valid).toBe(true);
    expect((await resets.check(second.token)).valid).toBe(true);
  });

  it('revokeAll deletes every outstanding token of one user and counts them', async () => {
    const { resets } = setup({ onIssue: 'keep' });
    const tokens = [await resets.issue('user-1'), await resets.issue('user-1'), await resets.issue('user-1')];
    const other = await resets.issue('user-2');
    expect((await resets.consume(tokens[0]!.token)).valid).toBe(true);
    expect(await resets.revokeAll('user-1')).toBe(2);
    for (const { token } of tokens) expect(await resets.check(token)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect((await resets.check(other.token)).valid).toBe(true);
    expect(await resets.revokeAll('user-1')).toBe(0);
    expect(await resets.revokeAll('nobody')).toBe(0);
  });

  it('secret rotation: tokens from the old secret still work with [new, old], not with an unknown secret', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ now: clock.now, sweepIntervalMs: 0 });
    const before = new ResetTokens({ store, secret: TEST_SECRET, now: clock.now, onIssue: 'keep' });
    const during = new ResetTokens({ store, secret: [OTHER_SECRET, TEST_SECRET], now: clock.now, onIssue: 'keep' });
    const stranger = new ResetTokens({ store, secret: OTHER_SECRET, now: clock.now, onIssue: 'keep' });
    const { token } = await before.issue('user-1');
    expect(await stranger.check(token)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect(await stranger.consume(token)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect((await during.consume(token)).valid).toBe(true);
    const fresh = await during.issue('user-1');
    expect(await before.check(fresh.token)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect((await stranger.check(fresh.token)).valid).toBe(true);
  });

  it('get and list return record views (never hashes): newest first, gone once used or revoked', async () => {
    const { resets, clock } = setup({ onIssue: 'keep' });
    const first = await resets.issue('user-1', { meta: { via: 'web' } });
    clock.advance(1000);
    const second = await resets.issue('user-1');
    await resets.issue('user-2');
    expect(await resets.get(first.reset.id)).toEqual(first.reset);
    expect(Object.keys(first.reset).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'meta', 'userId']);
    expect(await resets.list({ userId: 'user-1' })).toEqual([second.reset, first.reset]);
    expect((await resets.consume(first.token)).valid).toBe(true);
    expect(await resets.get(first.reset.id)).toBeNull();
    expect(await resets.list({ userId: 'user-1' })).toEqual([second.reset]);
    await resets.revokeAll('user-1');
    expect(await resets.list({ userId: 'user-1' })).toEqual([]);
    expect(await resets.list({ userId: 'user-2' })).toHaveLength(1);
    expect(await resets.get('unknown-id')).toBeNull();
    expect(await resets.get(42 as unknown as string)).toBeNull();
    await expect(resets.list({ userId: '' })).rejects.toThrow(InvalidArgumentError);
  });

  it("list under 'revoke-previous' shows the one outstanding token; a mutated view does not change the record", async () => {
    const { resets } = setup();
    await resets.issue('user-1', { meta: { n: 1 } });
    const latest = await resets.issue('user-1', { meta: { n: 2 } });
    const [listed] = await resets.list({ userId: 'user-1' });
    expect(listed).toEqual(latest.reset);
    listed!.meta.n = 99;
    expect((await resets.get(latest.reset.id))?.meta).toEqual({ n: 2 });
  });

  it('emits issued, consumed and rejected events with ids only', async () => {
    const { resets, events, clock } = setup();
    const {
      token,
      reset: { id },
    } = await resets.issue('user-1');
    await resets.consume(token);
    await resets.consume(token);
    await resets.check('garbage');
    expect(events).toEqual([
      { type: 'reset.issued', id, subject: 'user-1', at: clock.time },
      { type: 'reset.consumed', id, subject: 'user-1', at: clock.time },
      { type: 'reset.rejected', code: 'NOT_FOUND', id, at: clock.time },
      { type: 'reset.rejected', code: 'MALFORMED', at: clock.time },
    ]);
  });

  describe('configuration and arguments', () => {
    it.each([
      [{ ttl: '25h' }, 'ResetTokens: ttl must be between 1s and 24h (got 90000000 ms); reset links should be short-lived'],
      [{ ttl: 24 * HOUR + 1 }, 'ResetTokens: ttl must be between 1s and 24h'],
      [{ ttl: '500ms' }, 'ResetTokens: ttl must be between 1s and 24h (got 500 ms)'],
      [{ ttl: 'soon' }, `ResetTokens: ttl must be milliseconds or a string like '500ms', '30s', '15m', '1h', '7d'; got "soon"`],
      [{ onIssue: 'replace' }, "ResetTokens: onIssue must be 'revoke-previous' or 'keep'"],
      [{ prefix: 'RST' }, `ResetTokens: prefix "RST" is invalid; use lower-case letters/digits like 'sk' or 'sk_live' (max 16)`],
      [{ secret: 'too-short' }, 'secret must be a string of at least 32 characters'],
    ])('%j -> ConfigError', (options, message) => {
      const build = () =>
        new ResetTokens({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret: TEST_SECRET, ...(options as Partial<ResetTokensOptions>) });
      expect(build).toThrow(ConfigError);
      expect(build).toThrow(message);
    });

    it('accepts the 24h maximum', () => {
      expect(new ResetTokens({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret: TEST_SECRET, ttl: '24h' }).ttl).toBe(24 * HOUR);
    });

    it('InvalidArgumentError for a bad userId or meta', async () => {
      const { resets } = setup();
      await expect(resets.issue('')).rejects.toThrow(InvalidArgumentError);
      await expect(resets.issue(42 as unknown as string)).rejects.toThrow('userId must be a non-empty string of at most 256 characters');
      await expect(resets.issue('u', { meta: [] as unknown as Record<string, unknown> })).rejects.toThrow('meta must be a plain JSON object');
      await expect(resets.revokeAll('')).rejects.toThrow(InvalidArgumentError);
    });
  });

  it('store failures surface as StoreUnavailableError from every method, never as a result', async () => {
    const { resets, store } = setup();
    const { token } = await resets.issue('user-1');
    store.failure = new Error('ECONNREFUSED');
    await expect(resets.issue('user-2')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(resets.check(token)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
    await expect(resets.consume(token)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(resets.revokeAll('user-1')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(resets.get(token.slice(4, 14))).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(resets.list({ userId: 'user-1' })).rejects.toBeInstanceOf(StoreUnavailableError);
    store.failure = null;
    expect((await resets.consume(token)).valid).toBe(true);
  });
});
