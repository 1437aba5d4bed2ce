import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiKeys } from './api-keys/index.js';
import { EVENT_CHANNEL, type TokenkitEvent, type TokenkitEventType } from './events.js';
import { Invitations } from './invitations/index.js';
import { ResetTokens } from './reset-tokens/index.js';
import { MemoryStore } from './store/memory-store.js';
import { ManualClock, TEST_SECRET } from './test-utils/stores.js';

const ALL_TYPES: TokenkitEventType[] = [
  'apikey.verified',
  'apikey.rejected',
  'apikey.created',
  'apikey.revoked',
  'reset.issued',
  'reset.consumed',
  'reset.rejected',
  'invite.created',
  'invite.redeemed',
  'invite.rejected',
  'invite.revoked',
];

describe('events', () => {
  let published: unknown[] = [];
  const onPublish = (message: unknown) => {
    published.push(message);
  };
  beforeEach(() => {
    published = [];
    diagnosticsChannel.subscribe(EVENT_CHANNEL, onPublish);
  });
  afterEach(() => {
    diagnosticsChannel.unsubscribe(EVENT_CHANNEL, onPublish);
  });

  it('every manager method emits the documented events, on onEvent and on diagnostics_channel, and none carries a secret', async () => {
    expect(EVENT_CHANNEL).toBe('tokenkit:event');
    const clock = new ManualClock();
    const store = new MemoryStore({ now: clock.now, sweepIntervalMs: 0 });
    const received: TokenkitEvent[] = [];
    const onEvent = (e: TokenkitEvent) => received.push(e);
    const common = { store, secret: TEST_SECRET, now: clock.now, onEvent };
    const apiKeys = new ApiKeys(common);
    const resets = new ResetTokens({ ...common, onIssue: 'keep' });
    const invites = new Invitations(common);
    const issued: string[] = [];

    // API keys: create, verify (ok and every rejection), get, list, revoke, rotate.
    const { key, apiKey } = await apiKeys.create({ ownerId: 'owner-1', scopes: ['read'], remaining: 1, rateLimit: { limit: 5, window: '1m' } });
    issued.push(key);
    await apiKeys.verify(key, { scopes: ['read'] });
    await apiKeys.verify(key, { scopes: ['admin'] });
    await apiKeys.verify(key);
    await apiKeys.verify(`${key}x`);
    await apiKeys.get(apiKey.id);
    await apiKeys.list({ ownerId: 'owner-1' });
    const other = await apiKeys.create({ ownerId: 'owner-1' });
    issued.push(other.key);
    const rotated = await apiKeys.rotate(other.apiKey.id);
    issued.push(rotated!.key);
    await apiKeys.verify(other.key);
    await apiKeys.revoke(rotated!.apiKey.id);
    await apiKeys.verify(rotated!.key);

    // Reset tokens: issue, check, consume, revokeAll, rejections.
    const t1 = await resets.issue('user-1');
    const t2 = await resets.issue('user-1');
    issued.push(t1.token, t2.token);
    await resets.check(t1.token);
    await resets.consume(t1.token);
    await resets.consume(t1.token);
    await resets.revokeAll('user-1');
    await resets.check(t2.token);
    await resets.check('rst_nope');

    // Invitations: create, check, redeem, rejections, get, list, stats, revoke.
    const inv = await invites.create({ createdBy: 'admin-1', email: 'a@example.com', maxUses: 2 });
    issued.push(inv.code);
    await invites.check(inv.code);
    await invites.redeem(inv.code, { userId: 'u1', email: 'a@example.com' });
    await invites.redeem(inv.code, { userId: 'u1', email: 'a@example.com' });
    await invites.redeem(inv.code, { userId: 'u2', email: 'b@example.com' });
    await invites.get(inv.invitation.id);
    await invites.list();
    await invites.stats();
    await invites.revoke(inv.invitation.id);
    await invites.check(inv.code);

    // The same events on both outlets, in the same order.
    expect(published).toEqual(received);
    expect(new Set(received.map((e) => e.type))).toEqual(new Set(ALL_TYPES));
    expect(received.filter((e) => e.type.endsWith('.rejected')).map((e) => e.code)).toEqual([
      'INSUFFICIENT_SCOPE',
      'USAGE_EXCEEDED',
      'MALFORMED',
      'EXPIRED',
      'REVOKED',
      'NOT_FOUND',
      'NOT_FOUND',
      'MALFORMED',
      'ALREADY_REDEEMED',
      'EMAIL_MISMATCH',
      'REVOKED',
    ]);
    for (const event of received) {
      expect(Object.keys(event).every((k) => ['type', 'id', 'subject', 'code', 'at'].includes(k)), JSON.stringify(event)).toBe(true);
      expect(event.at).toBe(clock.time);
      if (event.id !== undefined) expect(event.id).toMatch(/^[0-9A-Za-z]{10}$/);
    }
    expect(received.find((e) => e.type === 'apikey.created')).toEqual({ type: 'apikey.created', id: apiKey.id, subject: 'owner-1', at: clock.time });

    // No credential, secret part, stored hash or hash digest appears in any event.
    const json = JSON.stringify(received);
    const hashes = store.dump().map(({ record }) => record.hash);
    expect(hashes.length).toBeGreaterThan(0);
    for (const credential of issued) {
      const body = credential.slice(credential.length - 48);
      expect(json).not.toContain(credential);
      expect(json).not.toContain(body.slice(10, 42));
      expect(json).not.toContain(body.slice(10, 20));
    }
    for (const hash of hashes) {
      expect(json).not.toContain(hash);
      expect(json).not.toContain(hash.split('$')[1]!.slice(0, 16));
    }
  });

  it('a throwing onEvent listener never changes a result', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const onEvent = () => {
      throw new Error('listener bug');
    };
    const apiKeys = new ApiKeys({ store, secret: TEST_SECRET, onEvent });
    const resets = new ResetTokens({ store, secret: TEST_SECRET, onEvent });
    const invites = new Invitations({ store, secret: TEST_SECRET, onEvent });
    const { key } = await apiKeys.create({ ownerId: 'o' });
    expect((await apiKeys.verify(key)).valid).toBe(true);
    expect(await apiKeys.verify('junk')).toEqual({ valid: false, code: 'MALFORMED' });
    const { token } = await resets.issue('u');
    expect((await resets.consume(token)).valid).toBe(true);
    const { code } = await invites.create({ createdBy: 'a' });
    expect((await invites.redeem(code, { userId: 'u' })).valid).toBe(true);
    // Diagnostics-channel subscribers still get every event.
    expect(published.map((e) => (e as TokenkitEvent).type)).toEqual([
      'apikey.created',
      'apikey.verified',
      'apikey.rejected',
      'reset.issued',
      'reset.consumed',
      'invite.created',
      'invite.redeemed',
    ]);
  });
  it('a diagnostics_channel subscriber alone (no onEvent) still receives apikey.verified', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const apiKeys = new ApiKeys({ store, secret: TEST_SECRET });
    const { key, apiKey } = await apiKeys.create({ ownerId: 'owner-2' });
    published = [];
    expect((await apiKeys.verify(key)).valid).toBe(true);
    expect(published).toEqual([expect.objectContaining({ type: 'apikey.verified', id: apiKey.id, subject: 'owner-2' })]);
    diagnosticsChannel.unsubscribe(EVENT_CHANNEL, onPublish);
    expect((await apiKeys.verify(key)).valid).toBe(true);
    expect(published).toHaveLength(1);
    diagnosticsChannel.subscribe(EVENT_CHANNEL, onPublish);
  });
});
