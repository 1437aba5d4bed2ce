/**
 * Store conformance: every Store implementation runs these same cases
 * (MemoryStore, RedisStore standalone and Cluster, PostgresStore in this repo;
 * any third-party store through `runStoreConformance`). A store passes when the
 * managers behave identically on it, including under races.
 *
 * The cases are written against the small `describe`/`it`/`expect` shims of
 * `./expect.ts` (plain `node:assert` underneath), so the kit runs under any
 * test runner — or none — and never imports one.
 */
import { ApiKeys } from '../api-keys/index.js';
import { isTokenkitError } from '../errors.js';
import { Invitations } from '../invitations/index.js';
import { tokenUrlsafe } from '../random/index.js';
import { ResetTokens } from '../reset-tokens/index.js';
import type { Store, StoredRecord } from '../store/types.js';
import { type CaseRegistry, expect, skip } from './expect.js';

/** What a store under test provides. */
export interface StoreHarness {
  store: Store;
  /** Every key and value the store holds for this run, as text (for at-rest checks); absent = that case is skipped. */
  dump?(): Promise<string>;
  /** Deletes what this run wrote and closes connections. */
  close(): Promise<void>;
}

const SECRET = 'conformance-secret-0123456789abcdefghij';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const uid = () => tokenUrlsafe(9).replace(/[-_]/g, 'x');

interface TestRecord extends StoredRecord {
  payload?: string;
}

/** Every subject of a record's used-by set, paging with a small limit (de-duplicated: pages may repeat). */
async function allUsedBy(store: Store, ns: string, id: string, limit = 3): Promise<string[]> {
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await store.usedBy(ns, id, { limit, ...(cursor === undefined ? {} : { cursor }) });
    for (const subject of page.ids) seen.add(subject);
    if (page.cursor === null) return [...seen];
    cursor = page.cursor;
  }
  throw new Error('usedBy never finished');
}

function record(fields: Partial<TestRecord> = {}): TestRecord {
  return { id: uid(), hash: 'v1$expected', expiresAt: null, ...fields };
}

/**
 * Registers the conformance cases for one store in `registry`.
 *
 * @param registry - collects the cases (names and bodies)
 * @param makeHarness - creates a fresh harness (called once, before the first case)
 */
export function defineStoreConformance(registry: CaseRegistry, makeHarness: () => Promise<StoreHarness>): void {
  const { describe, it, beforeAll, afterAll } = registry;
  {
    let harness: StoreHarness;
    let store: Store;
    beforeAll(async () => {
      harness = await makeHarness();
      store = harness.store;
    });
    afterAll(async () => {
      await harness?.close();
    });

    describe('records', () => {
      it('put then get returns the same fields; a missing id is null', async () => {
        const r = record({ payload: 'hello', scopes: ['a', 'b'], meta: { nested: [1, 2] } } as Partial<TestRecord>);
        expect(await store.put('t', r, { ttlMs: 60_000 })).toBe(true);
        expect(await store.get('t', r.id)).toEqual(r);
        expect(await store.get('t', uid())).toBeNull();
        expect(await store.get('other', r.id)).toBeNull();
      });

      it('ifAbsent refuses to overwrite a live record', async () => {
        const r = record({ payload: 'first' });
        expect(await store.put('t', r, { ttlMs: 60_000, ifAbsent: true })).toBe(true);
        const second: TestRecord = { ...r, payload: 'second' };
        const third: TestRecord = { ...r, payload: 'third' };
        expect(await store.put('t', second, { ttlMs: 60_000, ifAbsent: true })).toBe(false);
        expect((await store.get<TestRecord>('t', r.id))?.payload).toBe('first');
        expect(await store.put('t', third, { ttlMs: 60_000 })).toBe(true);
        expect((await store.get<TestRecord>('t', r.id))?.payload).toBe('third');
      });

      it('a real short TTL removes the record; ttlMs null keeps it', async () => {
        const short = record();
        const forever = record();
        await store.put('t', short, { ttlMs: 80 });
        await store.put('t', forever, { ttlMs: null });
        expect(await store.get('t', short.id)).not.toBeNull();
        await sleep(200);
        expect(await store.get('t', short.id)).toBeNull();
        expect(await store.get('t', forever.id)).not.toBeNull();
        await store.delete('t', forever.id);
      });

      it('ifAbsent succeeds again once the old record has expired', async () => {
        const r = record();
        await store.put('t', r, { ttlMs: 50 });
        await sleep(120);
        expect(await store.put('t', r, { ttlMs: 60_000, ifAbsent: true })).toBe(true);
      });

      it('update merges fields atomically and can change the TTL', async () => {
        const r = record({ payload: 'a', uses: 3 });
        await store.put('t', r, { ttlMs: 60_000 });
        const merged = await store.update<TestRecord>('t', r.id, { payload: 'b' });
        expect(merged).toEqual({ ...r, payload: 'b' });
        expect(await store.get('t', r.id)).toEqual({ ...r, payload: 'b' });
        expect(await store.update<TestRecord>('t', uid(), { payload: 'x' })).toBeNull();
        await store.update('t', r.id, {}, { ttlMs: 60 });
        await sleep(150);
        expect(await store.get('t', r.id)).toBeNull();
      });

      it('concurrent updates of different fields lose nothing', async () => {
        const r = record();
        await store.put('t', r, { ttlMs: 60_000 });
        await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.update('t', r.id, { [`f${i}`]: i } as Partial<TestRecord>)),
        );
        const final = (await store.get('t', r.id)) as unknown as Record<string, unknown>;
        for (let i = 0; i < 20; i++) expect(final[`f${i}`]).toBe(i);
      });

      it('update with ifHash is a compare-and-set on the hash: of 20 racing writers exactly one wins', async () => {
        const r = record({ payload: 'a' });
        await store.put('t', r, { ttlMs: 60_000 });
        expect(await store.update<TestRecord>('t', r.id, { payload: 'x' }, { ifHash: 'v1$other' })).toBeNull();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.update<TestRecord>('t', r.id, { hash: `v1$n${i}` }, { ifHash: 'v1$expected' })),
        );
        const winners = results.filter((x) => x !== null);
        expect(winners).toHaveLength(1);
        expect((await store.get<TestRecord>('t', r.id))?.hash).toBe(winners[0]?.hash);
        expect(await store.update<TestRecord>('t', uid(), { payload: 'x' }, { ifHash: 'v1$expected' })).toBeNull();
      });

      it('delete reports whether a record existed', async () => {
        const r = record();
        await store.put('t', r, { ttlMs: 60_000 });
        expect(await store.delete('t', r.id)).toBe(true);
        expect(await store.delete('t', r.id)).toBe(false);
        expect(await store.get('t', r.id)).toBeNull();
      });
    });

    describe('consume (single use)', () => {
      it('returns the record once, then NOT_FOUND', async () => {
        const r = record({ payload: 'once' });
        await store.put('t', r, { ttlMs: 60_000 });
        const first = await store.consume<TestRecord>('t', r.id, ['v1$expected'], Date.now());
        expect(first).toEqual({ ok: true, record: r });
        expect(await store.consume('t', r.id, ['v1$expected'], Date.now())).toEqual({ ok: false, reason: 'NOT_FOUND' });
      });

      it('a wrong hash is NOT_FOUND and leaves the record usable', async () => {
        const r = record();
        await store.put('t', r, { ttlMs: 60_000 });
        expect(await store.consume('t', r.id, ['v1$wrong'], Date.now())).toEqual({ ok: false, reason: 'NOT_FOUND' });
        expect(await store.consume('t', r.id, ['v1$wrong', 'v1$expected'], Date.now())).toMatchObject({ ok: true });
      });

      it('expiresAt is re-checked: EXPIRED and the record is gone', async () => {
        const now = Date.now();
        const r = record({ expiresAt: now + 1000 });
        await store.put('t', r, { ttlMs: 60_000 });
        expect(await store.consume('t', r.id, ['v1$expected'], now + 1000)).toEqual({ ok: false, reason: 'EXPIRED' });
        expect(await store.get('t', r.id)).toBeNull();
      });

      it('200 parallel consumes of one record: exactly one winner', async () => {
        const r = record();
        await store.put('t', r, { ttlMs: 60_000 });
        const results = await Promise.all(
          Array.from({ length: 200 }, () => store.consume('t', r.id, ['v1$expected'], Date.now())),
        );
        expect(results.filter((x) => x.ok)).toHaveLength(1);
      });
    });

    describe('use (guarded, counted)', () => {
      const hashes = ['v1$expected'];

      it('checks in order: hash, revoked, expired, scopes, rate limit, uses, subject, email', async () => {
        const now = Date.now();
        const missing = await store.use('t', uid(), { hashes, now });
        expect(missing).toEqual({ ok: false, reason: 'NOT_FOUND' });

        const r = record({ revokedAt: now, expiresAt: now - 1, scopes: ['read'], maxUses: 0, uses: 0 });
        await store.put('t', r, { ttlMs: 60_000 });
        expect(await store.use('t', r.id, { hashes: ['v1$nope'], now })).toEqual({ ok: false, reason: 'NOT_FOUND' });
        expect(await store.use('t', r.id, { hashes, now })).toEqual({ ok: false, reason: 'REVOKED' });
        await store.update('t', r.id, { revokedAt: null });
        expect(await store.use('t', r.id, { hashes, now })).toEqual({ ok: false, reason: 'EXPIRED' });
        await store.update('t', r.id, { expiresAt: now + 60_000 });
        expect(await store.use('t', r.id, { hashes, now, scopes: ['write'] })).toEqual({
          ok: false,
          reason: 'INSUFFICIENT_SCOPE',
        });
        expect(await store.use('t', r.id, { hashes, now, scopes: ['read'] })).toEqual({ ok: false, reason: 'EXHAUSTED' });
        await store.update('t', r.id, { maxUses: 5 });
        expect((await store.use('t', r.id, { hashes, now, subject: 'alice' })).ok).toBe(true);
        await store.update('t', r.id, { email: 'bob@example.com' });
        expect(await store.use('t', r.id, { hashes, now, subject: 'alice' })).toEqual({
          ok: false,
          reason: 'ALREADY_REDEEMED',
        });
        expect(await store.use('t', r.id, { hashes, now, subject: 'bob', email: 'eve@example.com' })).toEqual({
          ok: false,
          reason: 'EMAIL_MISMATCH',
        });
        expect(await store.use('t', r.id, { hashes, now, subject: 'bob' })).toEqual({ ok: false, reason: 'EMAIL_MISMATCH' });
        const ok = await store.use<TestRecord>('t', r.id, { hashes, now, subject: 'bob', email: 'bob@example.com' });
        expect(ok.ok).toBe(true);
        if (ok.ok) {
          expect(ok.record.uses).toBe(2);
          expect(ok.record).not.toHaveProperty('usedBy');
        }
        expect((await store.get<TestRecord>('t', r.id))?.uses).toBe(2);
        expect((await allUsedBy(store, 't', r.id)).sort()).toEqual(['alice', 'bob']);
      });

      it('previousHash matches until previousHashExpiresAt, then EXPIRED; revocation and counters are shared', async () => {
        const now = Date.now();
        const r = record({
          hash: 'v1$new',
          previousHash: 'v1$old',
          previousHashExpiresAt: now + 1000,
          maxUses: 3,
          uses: 0,
          rateLimit: { limit: 2, windowMs: 60_000 },
        });
        await store.put('t', r, { ttlMs: 60_000 });
        expect((await store.use('t', r.id, { hashes: ['v1$old'], now })).ok).toBe(true);
        expect((await store.use('t', r.id, { hashes: ['v1$new'], now })).ok).toBe(true);
        // One rate-limit window for both credentials.
        expect(await store.use('t', r.id, { hashes: ['v1$old'], now })).toMatchObject({ ok: false, reason: 'RATE_LIMITED' });
        expect(await store.use('t', r.id, { hashes: ['v1$old'], now: now + 1000 })).toEqual({ ok: false, reason: 'EXPIRED' });
        expect(await store.use('t', r.id, { hashes: ['v1$other'], now })).toEqual({ ok: false, reason: 'NOT_FOUND' });
        expect((await store.get<TestRecord>('t', r.id))?.uses).toBe(2);
        await store.update('t', r.id, { revokedAt: now });
        expect(await store.use('t', r.id, { hashes: ['v1$old'], now })).toEqual({ ok: false, reason: 'REVOKED' });
        expect(await store.use('t', r.id, { hashes: ['v1$new'], now })).toEqual({ ok: false, reason: 'REVOKED' });
      });

      it('a rejected use spends nothing', async () => {
        const now = Date.now();
        const r = record({ maxUses: 3, uses: 0, scopes: ['read'] });
        await store.put('t', r, { ttlMs: 60_000 });
        await store.use('t', r.id, { hashes, now, scopes: ['admin'] });
        await store.use('t', r.id, { hashes: ['v1$bad'], now });
        expect((await store.get<TestRecord>('t', r.id))?.uses).toBe(0);
      });

      it('records without maxUses and subject are not written', async () => {
        const r = record({ scopes: ['read'] });
        await store.put('t', r, { ttlMs: 60_000 });
        for (let i = 0; i < 3; i++) expect((await store.use('t', r.id, { hashes, now: Date.now() })).ok).toBe(true);
        expect(await store.get('t', r.id)).toEqual(r);
      });

      it('rate limit: limit+1-th use in a window is RATE_LIMITED with retryAfterMs; the window resets', async () => {
        const r = record({ rateLimit: { limit: 3, windowMs: 300 } });
        await store.put('t', r, { ttlMs: 60_000 });
        for (let i = 0; i < 3; i++) expect((await store.use('t', r.id, { hashes, now: Date.now() })).ok).toBe(true);
        const limited = await store.use('t', r.id, { hashes, now: Date.now() });
        expect(limited.ok).toBe(false);
        if (!limited.ok) {
          expect(limited.reason).toBe('RATE_LIMITED');
          expect(limited.retryAfterMs).toBeGreaterThan(0);
          expect(limited.retryAfterMs).toBeLessThanOrEqual(300);
        }
        await sleep(400);
        expect((await store.use('t', r.id, { hashes, now: Date.now() })).ok).toBe(true);
      });

      it('rate limit: a store that reports the window (optional; MemoryStore and RedisStore do) reports it exactly', async () => {
        const r = record({ rateLimit: { limit: 3, windowMs: 60_000 } });
        await store.put('t', r, { ttlMs: 60_000 });
        for (let count = 1; count <= 3; count++) {
          const used = await store.use('t', r.id, { hashes, now: Date.now() });
          expect(used.ok).toBe(true);
          if (used.ok && used.window !== undefined) {
            expect(used.window.count).toBe(count);
            expect(used.window.resetMs).toBeGreaterThan(50_000);
            expect(used.window.resetMs).toBeLessThanOrEqual(60_000);
          }
        }
        const limited = await store.use('t', r.id, { hashes, now: Date.now() });
        expect(limited.ok).toBe(false);
        if (!limited.ok && limited.rateLimit !== undefined) expect(limited.rateLimit).toEqual({ limit: 3, windowMs: 60_000 });
        // A record without a rate limit reports no window.
        const plain = record();
        await store.put('t', plain, { ttlMs: 60_000 });
        const used = await store.use('t', plain.id, { hashes, now: Date.now() });
        expect(used.ok && used.window).toBeFalsy();
      });

      it('retainMs sets the TTL once the last use is spent', async () => {
        const r = record({ maxUses: 1, uses: 0 });
        await store.put('t', r, { ttlMs: 60_000 });
        expect((await store.use('t', r.id, { hashes, now: Date.now(), retainMs: 80 })).ok).toBe(true);
        expect(await store.get('t', r.id)).not.toBeNull();
        await sleep(200);
        expect(await store.get('t', r.id)).toBeNull();
      });

      it('200 parallel uses of a maxUses 7 record with distinct subjects: exactly 7 succeed', async () => {
        const r = record({ maxUses: 7, uses: 0 });
        await store.put('t', r, { ttlMs: 60_000 });
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => store.use('t', r.id, { hashes, now: Date.now(), subject: `u${i}` })),
        );
        expect(results.filter((x) => x.ok)).toHaveLength(7);
        expect((await store.get<TestRecord>('t', r.id))?.uses).toBe(7);
        expect(await allUsedBy(store, 't', r.id)).toHaveLength(7);
      });

      it('usedBy pages through a large used-by set; delete, re-put and TTL take the set along', async () => {
        const r = record({ maxUses: 1000, uses: 0 });
        await store.put('t', r, { ttlMs: 60_000 });
        const subjects = Array.from({ length: 300 }, (_, i) => `user-${i}-{x}%`);
        for (const subject of subjects) expect((await store.use('t', r.id, { hashes, now: Date.now(), subject })).ok).toBe(true);
        const first = await store.usedBy('t', r.id, { limit: 50 });
        expect(first.ids.length).toBeGreaterThan(0);
        expect(first.ids.length).toBeLessThan(300);
        expect(first.cursor).not.toBeNull();
        expect((await allUsedBy(store, 't', r.id, 50)).sort()).toEqual([...subjects].sort());
        expect(await store.usedBy('t', uid())).toEqual({ ids: [], cursor: null });
        // A record written again at the same id starts with nobody in its set.
        await store.put('t', r, { ttlMs: 60_000 });
        expect(await allUsedBy(store, 't', r.id)).toEqual([]);
        expect((await store.use('t', r.id, { hashes, now: Date.now(), subject: subjects[0] })).ok).toBe(true);
        expect(await store.delete('t', r.id)).toBe(true);
        expect(await allUsedBy(store, 't', r.id)).toEqual([]);
        // The set expires with its record (a TTL change through update included).
        await store.put('t', r, { ttlMs: 60_000 });
        expect((await store.use('t', r.id, { hashes, now: Date.now(), subject: 'late' })).ok).toBe(true);
        await store.update('t', r.id, {}, { ttlMs: 80 });
        await sleep(200);
        expect(await allUsedBy(store, 't', r.id)).toEqual([]);
        await store.put('t', r, { ttlMs: 60_000 });
        expect((await store.use('t', r.id, { hashes, now: Date.now(), subject: 'late' })).ok).toBe(true);
      });

      it('usedBy rejects a cursor the store did not issue with INVALID_ARGUMENT, not a store outage', async () => {
        const r = record({ maxUses: 10, uses: 0 });
        await store.put('t', r, { ttlMs: 60_000 });
        expect((await store.use('t', r.id, { hashes, now: Date.now(), subject: 'someone' })).ok).toBe(true);
        // Bad input, not an outage: an InvalidArgumentError (by code, so a store may bring its own copy of the class).
        for (const cursor of ['abc', '-1', '1.5']) {
          for (const id of [r.id, uid()]) {
            await expect(store.usedBy('t', id, { cursor })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
          }
        }
        // The store still answers afterwards.
        expect(await allUsedBy(store, 't', r.id)).toEqual(['someone']);
      });

      it('the record stays the same size however many subjects used it', async () => {
        const small = record({ maxUses: 100_000, uses: 0 });
        const large = record({ maxUses: 100_000, uses: 0 });
        await store.put('t', small, { ttlMs: 60_000 });
        await store.put('t', large, { ttlMs: 60_000 });
        for (let i = 0; i < 10; i++) await store.use('t', small.id, { hashes, now: Date.now(), subject: `s${i}` });
        await Promise.all(
          Array.from({ length: 2000 }, (_, i) => store.use('t', large.id, { hashes, now: Date.now(), subject: `subject-${i}` })),
        );
        const a = JSON.stringify({ ...(await store.get<TestRecord>('t', small.id)), id: '' });
        const b = JSON.stringify({ ...(await store.get<TestRecord>('t', large.id)), id: '' });
        expect(b.length - a.length).toBeLessThanOrEqual(3); // "uses": 10 vs 2000
        const ok = await store.use<TestRecord>('t', large.id, { hashes, now: Date.now(), subject: 'one-more' });
        expect(ok.ok && JSON.stringify(ok.record).length).toBeLessThan(a.length + 20);
      });

      it('one subject racing itself redeems once', async () => {
        const r = record({ maxUses: 50, uses: 0 });
        await store.put('t', r, { ttlMs: 60_000 });
        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.use('t', r.id, { hashes, now: Date.now(), subject: 'same' })),
        );
        expect(results.filter((x) => x.ok)).toHaveLength(1);
      });
    });

    describe('window counters', () => {
      it('counts within a window and starts a new one after it', async () => {
        const key = uid();
        expect(await store.hit('w', key, 300)).toMatchObject({ count: 1 });
        const second = await store.hit('w', key, 300);
        expect(second.count).toBe(2);
        expect(second.resetMs).toBeGreaterThan(0);
        expect(second.resetMs).toBeLessThanOrEqual(300);
        expect((await store.hit('w', key, 300, 0)).count).toBe(2);
        expect((await store.hit('w', uid(), 300)).count).toBe(1);
        await sleep(400);
        expect((await store.hit('w', key, 300)).count).toBe(1);
      });

      it('counts every one of 200 parallel hits', async () => {
        const key = uid();
        const results = await Promise.all(Array.from({ length: 200 }, () => store.hit('w', key, 60_000)));
        expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      });

      it('keys with odd characters stay separate', async () => {
        const a = `${uid()}{tag}:1`;
        const b = `${a}x`;
        await store.hit('w', a, 60_000);
        expect((await store.hit('w', b, 60_000)).count).toBe(1);
        expect((await store.hit('w', a, 60_000)).count).toBe(2);
      });
    });

    describe('subject index', () => {
      it('adds, lists and removes ids per subject', async () => {
        const subject = `user:${uid()}`;
        await store.indexAdd('ix', subject, 'a', 60_000);
        await store.indexAdd('ix', subject, 'b', 60_000);
        await store.indexAdd('ix', subject, 'b', 60_000);
        expect((await store.indexMembers('ix', subject)).sort()).toEqual(['a', 'b']);
        expect(await store.indexMembers('ix', `${subject}-other`)).toEqual([]);
        await store.indexRemove('ix', subject, ['a']);
        expect(await store.indexMembers('ix', subject)).toEqual(['b']);
        await store.indexRemove('ix', subject, ['b']);
        expect(await store.indexMembers('ix', subject)).toEqual([]);
      });

      it('an index expires with its TTL', async () => {
        const subject = uid();
        await store.indexAdd('ix', subject, 'a', 80);
        await sleep(200);
        expect(await store.indexMembers('ix', subject)).toEqual([]);
      });
    });

    describe('managers on this store', () => {
      it('200 parallel consumes of one reset token: exactly one winner', async () => {
        const resets = new ResetTokens({ store, secret: SECRET });
        const { token } = await resets.issue(uid());
        const results = await Promise.all(Array.from({ length: 200 }, () => resets.consume(token)));
        expect(results.filter((r) => r.valid)).toHaveLength(1);
      });

      it('200 parallel redeems of a maxUses 7 invite: exactly 7', async () => {
        const invites = new Invitations({ store, secret: SECRET });
        const { code, invitation } = await invites.create({ createdBy: uid(), maxUses: 7 });
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => invites.redeem(code, { userId: `user-${i}` })),
        );
        expect(results.filter((r) => r.valid)).toHaveLength(7);
        expect(results.filter((r) => !r.valid && r.code === 'EXHAUSTED')).toHaveLength(193);
        expect((await invites.get(invitation.id))?.status).toBe('exhausted');
      });

      it('an API key with remaining 25 under 200 parallel verifies: exactly 25 valid', async () => {
        const apiKeys = new ApiKeys({ store, secret: SECRET });
        const { key, apiKey } = await apiKeys.create({ ownerId: uid(), remaining: 25 });
        const results = await Promise.all(Array.from({ length: 200 }, () => apiKeys.verify(key)));
        expect(results.filter((r) => r.valid)).toHaveLength(25);
        expect(results.filter((r) => !r.valid && r.code === 'USAGE_EXCEEDED')).toHaveLength(175);
        expect((await apiKeys.get(apiKey.id))?.remaining).toBe(0);
      });

      it('a rotated key with remaining 3: exactly 3 successful verifications across old and new key', async () => {
        const apiKeys = new ApiKeys({ store, secret: SECRET });
        const { key, apiKey } = await apiKeys.create({ ownerId: uid(), remaining: 3 });
        expect((await apiKeys.verify(key)).valid).toBe(true);
        const rotated = await apiKeys.rotate(apiKey.id, { gracePeriod: '1h' });
        expect(rotated?.apiKey).toMatchObject({ id: apiKey.id, start: apiKey.start, remaining: 2 });
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => apiKeys.verify(i % 2 === 0 ? key : (rotated?.key as string))),
        );
        expect(results.filter((r) => r.valid)).toHaveLength(2);
        expect(await apiKeys.verify(key)).toEqual({ valid: false, code: 'USAGE_EXCEEDED' });
        expect(await apiKeys.verify(rotated?.key)).toEqual({ valid: false, code: 'USAGE_EXCEEDED' });
      });

      it('a rotation keeps the rate-limit window: old and new key share it', async () => {
        const apiKeys = new ApiKeys({ store, secret: SECRET });
        const { key, apiKey } = await apiKeys.create({ ownerId: uid(), rateLimit: { limit: 3, window: '1h' } });
        expect((await apiKeys.verify(key)).valid).toBe(true);
        expect((await apiKeys.verify(key)).valid).toBe(true);
        const rotated = await apiKeys.rotate(apiKey.id, { gracePeriod: '1h' });
        expect((await apiKeys.verify(rotated?.key)).valid).toBe(true);
        expect(await apiKeys.verify(rotated?.key)).toMatchObject({ valid: false, code: 'RATE_LIMITED' });
        expect(await apiKeys.verify(key)).toMatchObject({ valid: false, code: 'RATE_LIMITED' });
      });

      it('20 parallel rotations of one key: the losers are CONFLICT, and at most two credentials verify (the current one and the one it replaced)', async () => {
        const apiKeys = new ApiKeys({ store, secret: SECRET });
        const { key, apiKey } = await apiKeys.create({ ownerId: uid(), remaining: 5 });
        const settled = await Promise.allSettled(Array.from({ length: 20 }, () => apiKeys.rotate(apiKey.id, { gracePeriod: '1h' })));
        // Every rotation is a compare-and-set on the key's one record: on a store whose reads all run
        // before the first write exactly one wins; where a read can follow another rotation's write
        // (a pool of connections), the winners form a chain, each replacing the hash the previous set.
        const won = settled.filter((r) => r.status === 'fulfilled' && r.value !== null);
        expect(won.length).toBeGreaterThanOrEqual(1);
        const lost = settled.filter((r) => r.status === 'rejected');
        expect(won.length + lost.length).toBe(20);
        for (const r of lost) expect(isTokenkitError(r.reason) && r.reason.code === 'CONFLICT').toBe(true);
        const credentials = [key, ...won.map((r) => (r as PromiseFulfilledResult<{ key: string }>).value.key)];
        const valid: string[] = [];
        for (const credential of credentials) if ((await apiKeys.verify(credential)).valid) valid.push(credential);
        expect(valid.length).toBeGreaterThanOrEqual(1);
        expect(valid.length).toBeLessThanOrEqual(2);
        // One record, one quota: 5 uses in all, whichever credentials spend them (2 spent above at most).
        let served = valid.length;
        for (let i = 0; i < 10; i++) if ((await apiKeys.verify(valid[i % valid.length])).valid) served++;
        expect(served).toBe(5);
        expect(await apiKeys.list({ ownerId: apiKey.ownerId })).toHaveLength(1);
      });

      it('a revoke racing a rotate leaves no valid credential', async () => {
        const apiKeys = new ApiKeys({ store, secret: SECRET });
        for (let i = 0; i < 10; i++) {
          const { key, apiKey } = await apiKeys.create({ ownerId: uid() });
          const [rotated] = await Promise.all([apiKeys.rotate(apiKey.id, { gracePeriod: '1h' }), apiKeys.revoke(apiKey.id)]);
          expect(await apiKeys.verify(key)).toEqual({ valid: false, code: 'REVOKED' });
          if (rotated) expect(await apiKeys.verify(rotated.key)).toEqual({ valid: false, code: 'REVOKED' });
        }
      });

      it('expiry with an injected clock: valid 1 ms before expiresAt, EXPIRED at it', async () => {
        let now = Date.now();
        const clock = () => now;
        const resets = new ResetTokens({ store, secret: SECRET, ttl: '10m', now: clock });
        const invites = new Invitations({ store, secret: SECRET, now: clock });
        const apiKeys = new ApiKeys({ store, secret: SECRET, now: clock });
        const {
          token,
          reset: { expiresAt },
        } = await resets.issue(uid());
        const { code, invitation } = await invites.create({ createdBy: uid(), expiresIn: '10m', maxUses: 3 });
        const { key, apiKey } = await apiKeys.create({ ownerId: uid(), expiresIn: '10m' });
        now = expiresAt - 1;
        expect((await resets.check(token)).valid).toBe(true);
        expect((await invites.redeem(code, { userId: 'early' })).valid).toBe(true);
        expect((await apiKeys.verify(key)).valid).toBe(true);
        now = expiresAt;
        expect(await resets.check(token)).toEqual({ valid: false, code: 'EXPIRED' });
        expect(await resets.consume(token)).toEqual({ valid: false, code: 'EXPIRED' });
        expect(await invites.redeem(code, { userId: 'late' })).toEqual({ valid: false, code: 'EXPIRED' });
        expect(await apiKeys.verify(key)).toEqual({ valid: false, code: 'EXPIRED' });
        expect(invitation.expiresAt).toBe(expiresAt);
        expect(apiKey.expiresAt).toBe(expiresAt);
      });

      it("20 parallel reset issues for one user under 'revoke-previous': exactly one token valid afterwards", async () => {
        const resets = new ResetTokens({ store, secret: SECRET });
        const user = uid();
        const before = await resets.issue(user);
        const issued = await Promise.all(Array.from({ length: 20 }, () => resets.issue(user)));
        const checks = await Promise.all([before, ...issued].map(({ token }) => resets.check(token)));
        expect(checks.filter((r) => r.valid)).toHaveLength(1);
        const consumed = await Promise.all([before, ...issued].map(({ token }) => resets.consume(token)));
        expect(consumed.filter((r) => r.valid)).toHaveLength(1);
      });

      it('revokeAll deletes every outstanding reset token of a user', async () => {
        const resets = new ResetTokens({ store, secret: SECRET, onIssue: 'keep' });
        const user = uid();
        const tokens = [await resets.issue(user), await resets.issue(user), await resets.issue(user)];
        const other = await resets.issue(uid());
        expect(await resets.revokeAll(user)).toBe(3);
        for (const { token } of tokens) expect(await resets.check(token)).toEqual({ valid: false, code: 'NOT_FOUND' });
        expect((await resets.check(other.token)).valid).toBe(true);
      });

      it('lists API keys by owner and invitations by creator', async () => {
        const apiKeys = new ApiKeys({ store, secret: SECRET });
        const invites = new Invitations({ store, secret: SECRET });
        const owner = uid();
        const a = await apiKeys.create({ ownerId: owner, name: 'a' });
        const b = await apiKeys.create({ ownerId: owner, name: 'b' });
        await apiKeys.revoke(a.apiKey.id);
        const listed = await apiKeys.list({ ownerId: owner });
        expect(listed.map((k) => k.id).sort()).toEqual([a.apiKey.id, b.apiKey.id].sort());
        expect(listed.find((k) => k.id === a.apiKey.id)?.revokedAt).not.toBeNull();
        const creator = uid();
        await invites.create({ createdBy: creator });
        await invites.create({ createdBy: creator, maxUses: 2 });
        expect(await invites.list({ createdBy: creator })).toHaveLength(2);
        expect(await invites.list({ createdBy: creator, status: 'active' })).toHaveLength(2);
      });

      it('no raw credential or secret part is at rest after issuing 100 of each kind', async () => {
        const apiKeys = new ApiKeys({ store, secret: SECRET });
        const resets = new ResetTokens({ store, secret: SECRET, onIssue: 'keep' });
        const invites = new Invitations({ store, secret: SECRET });
        const issued: string[] = [];
        for (let i = 0; i < 100; i++) {
          issued.push((await apiKeys.create({ ownerId: `owner-${i % 7}`, scopes: ['read'] })).key);
          issued.push((await resets.issue(`user-${i % 9}`)).token);
          issued.push((await invites.create({ createdBy: `admin-${i % 3}`, maxUses: 2 })).code);
        }
        if (!harness.dump) return skip('no dump option given');
        const dump = await harness.dump();
        expect(dump.length).toBeGreaterThan(0);
        for (const credential of issued) {
          const body = credential.slice(credential.lastIndexOf('_') + 1);
          const secretPart = body.slice(10, 42);
          expect(dump.includes(credential)).toBe(false);
          expect(dump.includes(secretPart)).toBe(false);
          // Any 12-character window of the secret would already be a leak.
          expect(dump.includes(secretPart.slice(10, 22))).toBe(false);
          expect(dump.includes(body.slice(10))).toBe(false);
        }
      });
    });
  }
}
