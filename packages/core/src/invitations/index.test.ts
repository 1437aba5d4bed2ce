import { describe, expect, it } from 'vitest';
import { checksum, generateCredential } from '../credential/credential.js';
import { ConfigError, InvalidArgumentError, StoreUnavailableError } from '../errors.js';
import type { TokenkitEvent } from '../events.js';
import { MemoryStore } from '../store/memory-store.js';
import { InstrumentedStore, ManualClock, OTHER_SECRET, TEST_SECRET } from '../test-utils/stores.js';
import { type CreateInvitationOptions, type Invitation, Invitations, type InvitationsOptions } from './index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function setup(options: Partial<InvitationsOptions> = {}) {
  const clock = new ManualClock();
  const memory = new MemoryStore({ now: clock.now, sweepIntervalMs: 0 });
  const store = new InstrumentedStore(memory);
  const events: TokenkitEvent[] = [];
  const invites = new Invitations({ store, secret: TEST_SECRET, now: clock.now, onEvent: (e) => events.push(e), ...options });
  return { clock, memory, store, invites, events };
}

describe('Invitations', () => {
  it('the seed scenario: admin invite, team invite, redemptions, an invalid code, stats', async () => {
    const { invites } = setup();
    const admin = await invites.create({ createdBy: 'founder', role: 'admin', maxUses: 1 });
    const team = await invites.create({ createdBy: 'founder', role: 'editor', maxUses: 5, expiresIn: '72h' });

    const first = await invites.redeem(admin.code, { userId: 'alice' });
    expect(first).toMatchObject({ valid: true, invitation: { id: admin.invitation.id, role: 'admin', uses: 1 } });
    expect((await invites.get(admin.invitation.id))?.usedBy).toEqual(['alice']);
    expect(await invites.redeem(admin.code, { userId: 'bob' })).toEqual({ valid: false, code: 'EXHAUSTED' });
    expect(await invites.redeem(team.code, { userId: 'bob' })).toMatchObject({ valid: true, invitation: { role: 'editor' } });
    // A well-formed code that was never issued.
    expect(await invites.redeem(generateCredential('inv').credential, { userId: 'carol' })).toEqual({ valid: false, code: 'NOT_FOUND' });

    expect(await invites.stats()).toEqual({ active: 1, exhausted: 1, expired: 0, revoked: 0, total: 2 });
  });

  it('create: defaults (role member, maxUses 1, ttl 7d) and the returned shape', async () => {
    const { invites, clock } = setup();
    const { code, invitation } = await invites.create({ createdBy: 'admin' });
    expect(code).toMatch(/^inv_[0-9A-Za-z]{48}$/);
    expect(invitation).toEqual({
      id: code.slice(4, 14),
      createdBy: 'admin',
      role: 'member',
      maxUses: 1,
      uses: 0,
      usedBy: [],
      email: null,
      meta: {},
      createdAt: clock.time,
      expiresAt: clock.time + 7 * DAY,
      revokedAt: null,
      status: 'active',
    } satisfies Invitation);
    expect(await invites.get(invitation.id)).toEqual(invitation);
    const custom = new Invitations({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret: TEST_SECRET, ttl: '2d', now: clock.now });
    expect((await custom.create({ createdBy: 'a' })).invitation.expiresAt).toBe(clock.time + 2 * DAY);
    expect((await custom.create({ createdBy: 'a', expiresIn: '1h', meta: { plan: 'pro' } })).invitation).toMatchObject({
      expiresAt: clock.time + HOUR,
      meta: { plan: 'pro' },
    });
  });

  it('check is non-consuming and reports the invitation and role', async () => {
    const { invites } = setup();
    const { code, invitation } = await invites.create({ createdBy: 'admin', role: 'viewer' });
    for (let i = 0; i < 3; i++) expect(await invites.check(code)).toEqual({ valid: true, invitation });
    expect((await invites.get(invitation.id))?.uses).toBe(0);
  });

  describe('every result code', () => {
    it('MALFORMED without a store call', async () => {
      const { invites, store } = setup();
      const { code } = await invites.create({ createdBy: 'a' });
      store.reset();
      for (const input of ['', 'inv_x', code.slice(1), `${code} `, generateCredential('sk').credential, null, 12]) {
        expect(await invites.check(input)).toEqual({ valid: false, code: 'MALFORMED' });
        expect(await invites.redeem(input, { userId: 'u' })).toEqual({ valid: false, code: 'MALFORMED' });
      }
      expect(store.total()).toBe(0);
    });

    it('NOT_FOUND for a never-issued code and for a forged secret on a real id', async () => {
      const { invites } = setup();
      const { code, invitation } = await invites.create({ createdBy: 'a' });
      const never = generateCredential('inv').credential;
      expect(await invites.check(never)).toEqual({ valid: false, code: 'NOT_FOUND' });
      const head = `inv_${invitation.id}${generateCredential('inv').credential.slice(14, -6)}`;
      const forged = head + checksum(head);
      expect(await invites.redeem(forged, { userId: 'u' })).toEqual({ valid: false, code: 'NOT_FOUND' });
      expect((await invites.redeem(code, { userId: 'u' })).valid).toBe(true);
    });

    it('REVOKED; revoke is idempotent, null for unknown ids', async () => {
      const { invites, clock, events } = setup();
      const { code, invitation } = await invites.create({ createdBy: 'a' });
      clock.advance(5);
      const revoked = await invites.revoke(invitation.id);
      expect(revoked).toEqual({ ...invitation, revokedAt: clock.time, status: 'revoked' });
      expect(await invites.check(code)).toEqual({ valid: false, code: 'REVOKED' });
      expect(await invites.redeem(code, { userId: 'u' })).toEqual({ valid: false, code: 'REVOKED' });
      expect(await invites.revoke(invitation.id)).toEqual(revoked);
      expect(events.filter((e) => e.type === 'invite.revoked')).toHaveLength(1);
      expect(await invites.revoke('unknownid0')).toBeNull();
    });

    it('EXPIRED at the boundary', async () => {
      const { invites, clock } = setup();
      const { code, invitation } = await invites.create({ createdBy: 'a', expiresIn: '1h', maxUses: 3 });
      clock.time = invitation.expiresAt - 1;
      expect((await invites.check(code)).valid).toBe(true);
      expect((await invites.redeem(code, { userId: 'early' })).valid).toBe(true);
      clock.time = invitation.expiresAt;
      expect(await invites.check(code)).toEqual({ valid: false, code: 'EXPIRED' });
      expect(await invites.redeem(code, { userId: 'late' })).toEqual({ valid: false, code: 'EXPIRED' });
      expect((await invites.get(invitation.id))?.status).toBe('expired');
    });

    it('EXHAUSTED and ALREADY_REDEEMED on a multi-use invite', async () => {
      const { invites } = setup();
      const { code, invitation } = await invites.create({ createdBy: 'a', maxUses: 3, role: 'editor' });
      expect(await invites.redeem(code, { userId: 'u1' })).toMatchObject({ valid: true, invitation: { uses: 1, usedBy: [] } });
      expect(await invites.redeem(code, { userId: 'u1' })).toEqual({ valid: false, code: 'ALREADY_REDEEMED' });
      expect(await invites.redeem(code, { userId: 'u2' })).toMatchObject({ valid: true, invitation: { uses: 2, status: 'active' } });
      expect(await invites.redeem(code, { userId: 'u3' })).toMatchObject({
        valid: true,
        invitation: { role: 'editor', uses: 3, status: 'exhausted' },
      });
      expect((await invites.get(invitation.id))?.usedBy.sort()).toEqual(['u1', 'u2', 'u3']);
      expect((await invites.list({ createdBy: 'a' }))[0]?.usedBy.sort()).toEqual(['u1', 'u2', 'u3']);
      expect(await invites.redeem(code, { userId: 'u4' })).toEqual({ valid: false, code: 'EXHAUSTED' });
      expect(await invites.check(code)).toEqual({ valid: false, code: 'EXHAUSTED' });
      expect((await invites.get(invitation.id))?.uses).toBe(3);
    });

    it('usedBy is a preview of at most 100 redeemers; redeemers() pages through all of them', async () => {
      const { invites } = setup();
      const { code, invitation } = await invites.create({ createdBy: 'a', maxUses: 1000 });
      const users = Array.from({ length: 250 }, (_, i) => `user-${i}`);
      for (const userId of users) expect((await invites.redeem(code, { userId })).valid).toBe(true);
      const view = await invites.get(invitation.id);
      expect(view?.uses).toBe(250);
      expect(view?.usedBy).toHaveLength(100);
      // check() and redeem() stay constant-cost: no redeemer list in their results.
      expect((await invites.check(code)).valid && (await invites.check(code))).toMatchObject({ invitation: { usedBy: [] } });
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await invites.redeemers(invitation.id, { limit: 40, ...(cursor ? { cursor } : {}) });
        seen.push(...page.userIds);
        cursor = page.cursor ?? undefined;
      } while (cursor);
      expect(seen.sort()).toEqual([...users].sort());
      await expect(invites.redeemers(invitation.id, { limit: 0 })).rejects.toThrow(InvalidArgumentError);
    });

    it('redeemers() with a cursor the store did not issue: InvalidArgumentError (bad input), not StoreUnavailableError', async () => {
      const { invites } = setup();
      const { code, invitation } = await invites.create({ createdBy: 'a', maxUses: 3 });
      expect((await invites.redeem(code, { userId: 'u1' })).valid).toBe(true);
      for (const cursor of ['abc', '-1', '1.5']) {
        const error = await invites.redeemers(invitation.id, { cursor }).catch((err: unknown) => err);
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect(error).not.toBeInstanceOf(StoreUnavailableError);
        expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/MemoryStore\.usedBy: .*previous page/) });
      }
      // An unknown invitation is no different: the cursor is checked, not the record.
      await expect(invites.redeemers('nope', { cursor: 'abc' })).rejects.toThrow(InvalidArgumentError);
      expect(await invites.redeemers(invitation.id)).toEqual({ userIds: ['u1'], cursor: null });
    });

    it('EMAIL_MISMATCH for a bound invite; the match is case- and whitespace-insensitive', async () => {
      const { invites } = setup();
      const { code, invitation } = await invites.create({ createdBy: 'a', email: '  Alice@Example.COM ', maxUses: 2 });
      expect(invitation.email).toBe('alice@example.com');
      expect(await invites.redeem(code, { userId: 'u1', email: 'mallory@example.com' })).toEqual({ valid: false, code: 'EMAIL_MISMATCH' });
      expect(await invites.redeem(code, { userId: 'u1' })).toEqual({ valid: false, code: 'EMAIL_MISMATCH' });
      expect(await invites.redeem(code, { userId: 'u1', email: '' })).toEqual({ valid: false, code: 'EMAIL_MISMATCH' });
      // Rejections spent nothing.
      expect((await invites.get(invitation.id))?.uses).toBe(0);
      expect(await invites.redeem(code, { userId: 'u1', email: 'ALICE@example.com\t' })).toMatchObject({ valid: true });
      // An unbound invite ignores the e-mail.
      const open = await invites.create({ createdBy: 'a' });
      expect((await invites.redeem(open.code, { userId: 'u1', email: 'anyone@example.com' })).valid).toBe(true);
    });
  });

  describe('check order: REVOKED → EXPIRED → EXHAUSTED → ALREADY_REDEEMED → EMAIL_MISMATCH', () => {
    it('revoked and expired → REVOKED', async () => {
      const { invites, clock } = setup();
      const { code, invitation } = await invites.create({ createdBy: 'a', expiresIn: '1h' });
      await invites.revoke(invitation.id);
      clock.advance(2 * HOUR);
      expect(await invites.redeem(code, { userId: 'u' })).toEqual({ valid: false, code: 'REVOKED' });
      expect(await invites.check(code)).toEqual({ valid: false, code: 'REVOKED' });
    });

    it('expired and used up → EXPIRED (the status stays exhausted)', async () => {
      const { invites, clock } = setup();
      const { code, invitation } = await invites.create({ createdBy: 'a', expiresIn: '1h' });
      await invites.redeem(code, { userId: 'u1' });
      clock.advance(HOUR);
      expect(await invites.redeem(code, { userId: 'u2' })).toEqual({ valid: false, code: 'EXPIRED' });
      expect(await invites.check(code)).toEqual({ valid: false, code: 'EXPIRED' });
      expect((await invites.get(invitation.id))?.status).toBe('exhausted');
    });

    it('used up, by the same user → EXHAUSTED; already redeemed with a wrong e-mail → ALREADY_REDEEMED', async () => {
      const { invites } = setup();
      const single = await invites.create({ createdBy: 'a' });
      await invites.redeem(single.code, { userId: 'u1' });
      expect(await invites.redeem(single.code, { userId: 'u1' })).toEqual({ valid: false, code: 'EXHAUSTED' });
      const bound = await invites.create({ createdBy: 'a', maxUses: 2, email: 'a@example.com' });
      await invites.redeem(bound.code, { userId: 'u1', email: 'a@example.com' });
      expect(await invites.redeem(bound.code, { userId: 'u1', email: 'b@example.com' })).toEqual({ valid: false, code: 'ALREADY_REDEEMED' });
    });
  });

  it('list by creator and status, newest first; stats counts every status', async () => {
    const { invites, clock } = setup();
    const a = await invites.create({ createdBy: 'alice', expiresIn: '1h' });
    clock.advance(1);
    const b = await invites.create({ createdBy: 'alice', maxUses: 2 });
    clock.advance(1);
    const c = await invites.create({ createdBy: 'bob' });
    clock.advance(1);
    const d = await invites.create({ createdBy: 'bob' });
    await invites.redeem(c.code, { userId: 'u' });
    await invites.revoke(d.invitation.id);
    clock.advance(HOUR);
    const ids = (list: Invitation[]) => list.map((i) => i.id);
    expect(ids(await invites.list())).toEqual([d, c, b, a].map((x) => x.invitation.id));
    expect(ids(await invites.list({ createdBy: 'alice' }))).toEqual([b, a].map((x) => x.invitation.id));
    expect(ids(await invites.list({ status: 'expired' }))).toEqual([a.invitation.id]);
    expect(ids(await invites.list({ status: 'active' }))).toEqual([b.invitation.id]);
    expect(ids(await invites.list({ createdBy: 'bob', status: 'exhausted' }))).toEqual([c.invitation.id]);
    expect(ids(await invites.list({ createdBy: 'bob', status: 'revoked' }))).toEqual([d.invitation.id]);
    expect(await invites.list({ createdBy: 'nobody' })).toEqual([]);
    expect(await invites.stats()).toEqual({ active: 1, exhausted: 1, expired: 1, revoked: 1, total: 4 });
  });

  it('records stay readable for the retention period after they stop being usable, then disappear', async () => {
    const { invites, clock } = setup({ retention: '2d' });
    const used = await invites.create({ createdBy: 'a' });
    const expiring = await invites.create({ createdBy: 'a', expiresIn: '1h' });
    const revoked = await invites.create({ createdBy: 'a' });
    await invites.redeem(used.code, { userId: 'u' });
    await invites.revoke(revoked.invitation.id);
    clock.advance(HOUR);
    expect(await invites.stats()).toEqual({ active: 0, exhausted: 1, expired: 1, revoked: 1, total: 3 });
    clock.advance(2 * DAY - HOUR - 1);
    expect((await invites.stats()).total).toBe(3);
    clock.advance(1);
    expect(await invites.get(used.invitation.id)).toBeNull();
    expect(await invites.get(revoked.invitation.id)).toBeNull();
    expect((await invites.get(expiring.invitation.id))?.status).toBe('expired');
    clock.advance(HOUR);
    expect(await invites.stats()).toEqual({ active: 0, exhausted: 0, expired: 0, revoked: 0, total: 0 });
  });

  it('secret rotation: codes from the old secret redeem with [new, old], not with an unknown secret', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ now: clock.now, sweepIntervalMs: 0 });
    const before = new Invitations({ store, secret: TEST_SECRET, now: clock.now });
    const during = new Invitations({ store, secret: [OTHER_SECRET, TEST_SECRET], now: clock.now });
    const stranger = new Invitations({ store, secret: OTHER_SECRET, now: clock.now });
    const { code } = await before.create({ createdBy: 'a', maxUses: 5 });
    expect(await stranger.redeem(code, { userId: 'u1' })).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect(await stranger.check(code)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect((await during.redeem(code, { userId: 'u1' })).valid).toBe(true);
    const fresh = await during.create({ createdBy: 'a' });
    expect(await before.check(fresh.code)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect((await stranger.check(fresh.code)).valid).toBe(true);
  });

  describe('arguments and configuration', () => {
    it.each<[string, Partial<CreateInvitationOptions> | undefined, string]>([
      ['no options', undefined, 'createdBy must be a non-empty string of at most 256 characters'],
      ['empty createdBy', { createdBy: '' }, 'createdBy must be a non-empty string'],
      ['empty role', { role: '' }, 'role must be a non-empty string'],
      ['maxUses 0', { maxUses: 0 }, 'maxUses must be a positive integer, got 0'],
      ['maxUses 2.5', { maxUses: 2.5 }, 'maxUses must be a positive integer, got 2.5'],
      ['blank email', { email: '   ' }, 'email must be a non-empty string when given'],
      ['expiresIn 0', { expiresIn: 0 }, 'expiresIn must be a positive integer, got 0'],
      ['expiresIn garbage', { expiresIn: 'later' as '1h' }, 'expiresIn must be milliseconds or a string like'],
      ['meta string', { meta: 'x' as unknown as Record<string, unknown> }, 'meta must be a plain JSON object'],
    ])('create with %s -> InvalidArgumentError', async (_label, options, message) => {
      const { invites, store } = setup();
      const call = () =>
        invites.create(options === undefined ? (undefined as unknown as CreateInvitationOptions) : { createdBy: 'a', ...options });
      await expect(call()).rejects.toThrow(InvalidArgumentError);
      await expect(call()).rejects.toThrow(message);
      expect(store.calls.put).toBe(0);
    });

    it('redeem without a userId -> InvalidArgumentError (a programming error, not a result)', async () => {
      const { invites } = setup();
      const { code } = await invites.create({ createdBy: 'a' });
      await expect(invites.redeem(code, {} as { userId: string })).rejects.toThrow('userId must be a non-empty string');
      await expect(invites.redeem(code, undefined as unknown as { userId: string })).rejects.toThrow(InvalidArgumentError);
    });

    it.each<[string, Partial<InvitationsOptions>, string]>([
      ['bad prefix', { prefix: 'Inv' }, 'Invitations: prefix "Inv" is invalid'],
      ['bad ttl', { ttl: 'a week' as '7d' }, 'Invitations: ttl must be milliseconds or a string like'],
      ['bad retention', { retention: -1 }, 'Invitations: retention must be a non-negative number of milliseconds'],
      ['short secret', { secret: 'x'.repeat(31) }, 'secret must be a string of at least 32 characters'],
    ])('%s -> ConfigError', (_label, options, message) => {
      const build = () => new Invitations({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret: TEST_SECRET, ...options });
      expect(build).toThrow(ConfigError);
      expect(build).toThrow(message);
    });

    it('missing store -> ConfigError naming the manager', () => {
      expect(() => new Invitations({} as InvitationsOptions)).toThrow('Invitations: options.store is required');
    });
  });

  it('store failures surface as StoreUnavailableError from every method', async () => {
    const { invites, store } = setup();
    const { code, invitation } = await invites.create({ createdBy: 'a' });
    store.failure = new Error('READONLY You cannot write against a read only replica.');
    const calls: Array<() => Promise<unknown>> = [
      () => invites.create({ createdBy: 'a' }),
      () => invites.check(code),
      () => invites.redeem(code, { userId: 'u' }),
      () => invites.get(invitation.id),
      () => invites.list(),
      () => invites.revoke(invitation.id),
      () => invites.stats(),
      () => invites.redeemers(invitation.id),
      // A cursor in the right shape still reaches the failing store: an outage, not bad input.
      () => invites.redeemers(invitation.id, { cursor: '1' }),
    ];
    for (const call of calls) await expect(call()).rejects.toBeInstanceOf(StoreUnavailableError);
    store.failure = null;
    expect((await invites.redeem(code, { userId: 'u' })).valid).toBe(true);
  });
});
