import { describe, expect, it } from 'vitest';
import { ResetTokens } from '../../reset-tokens/index.js';
import { MemoryStore } from '../../store/memory-store.js';
import type { Store } from '../../store/types.js';
import { InstrumentedStore } from '../../test-utils/stores.js';
import { neutralRequest } from '../testing/neutral-request.js';
import type { HttpResponse } from '../types.js';
import { createResetFlow } from './index.js';
import type { ResetRoutesOptions } from './options.js';

const secret = 'unit-test-secret-0123456789abcdefghij';
const json = { 'content-type': 'application/json' };

function setup(overrides: Partial<ResetRoutesOptions> = {}) {
  const store = new MemoryStore({ sweepIntervalMs: 0 });
  const resets = new ResetTokens({ store, secret, onIssue: 'keep' });
  const errors: Array<{ error: unknown; flow: string }> = [];
  const passwords: string[] = [];
  const options: ResetRoutesOptions = {
    resets,
    baseUrl: 'https://app.example.com/auth/reset/',
    findUserByEmail: (email) => (email === 'a@example.com' ? { id: 'u1' } : null),
    sendResetEmail: () => {},
    setPassword: (_userId, password) => {
      passwords.push(password);
    },
    minDuration: 0,
    onError: (error, { flow }) => errors.push({ error, flow }),
    ...overrides,
  };
  return { resets, errors, passwords, handle: createResetFlow(options) };
}

const requestReset = (email: string) =>
  neutralRequest({ method: 'POST', path: '/request', headers: json, raw: JSON.stringify({ email }) });

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('createResetFlow', () => {
  it('trustedOrigins add origins that may POST /confirm with the cookie; others stay refused', async () => {
    const { resets, handle, passwords } = setup({ trustedOrigins: ['https://www.example.com'] });
    const confirm = async (origin: string) => {
      const { token } = await resets.issue('u1');
      return handle(
        neutralRequest({
          method: 'POST',
          path: '/confirm',
          headers: { ...json, origin, cookie: `tokenkit_reset=${token}` },
          raw: JSON.stringify({ password: 'long enough password' }),
        }),
      );
    };
    expect((await confirm('https://app.example.com'))?.status).toBe(200);
    expect((await confirm('https://www.example.com'))?.status).toBe(200);
    expect((await confirm('https://evil.example.com'))?.status).toBe(403);
    expect(passwords).toHaveLength(2);
    expect(() => setup({ trustedOrigins: ['www.example.com'] })).toThrow(/trusted origins/);
  });

  it('builds links from baseUrl (never Host) and reports sendResetEmail failures to onError, off the response', async () => {
    const urls: string[] = [];
    const { handle, errors } = setup({
      sendResetEmail: ({ url }) => {
        urls.push(url);
        throw new Error('SMTP down');
      },
    });
    const res = await handle({ ...requestReset('a@example.com'), headers: { ...json, host: 'evil.example' } });
    expect(res?.status).toBe(202);
    await settle();
    expect(urls).toHaveLength(1);
    expect(urls[0]).toMatch(/^https:\/\/app\.example\.com\/auth\/reset\/rst_[0-9A-Za-z]{48}$/);
    expect(errors.map((e) => [e.flow, (e.error as Error).message])).toEqual([['reset.request', 'SMTP down']]);
  });

  it('pads the answer to minDuration measured from the start of the request', async () => {
    const { handle } = setup({ minDuration: '120ms' });
    const started = performance.now();
    expect((await handle(requestReset('nobody@example.com')))?.status).toBe(202);
    expect(performance.now() - started).toBeGreaterThanOrEqual(119);
  });

  it('the cooldown is keyed by a hash: no address reaches the store', async () => {
    const keys: string[] = [];
    class RecordingStore extends MemoryStore {
      override hit(ns: string, key: string, windowMs: number, cost?: number) {
        keys.push(`${ns} ${key}`);
        return super.hit(ns, key, windowMs, cost);
      }
    }
    const { handle } = setup({ store: new RecordingStore({ sweepIntervalMs: 0 }) });
    await handle(requestReset('Secret.Person@example.com'));
    await settle();
    expect(keys.some((k) => k.startsWith('throttle:reset-email '))).toBe(true);
    expect(keys.join('\n').toLowerCase()).not.toContain('secret.person');
  });

  it('validatePassword sees the user and runs before consuming; revokeAll failures are reported, not fatal', async () => {
    const seen: string[] = [];
    const { handle, resets, errors, passwords } = setup({
      validatePassword: (password, { userId }) => {
        seen.push(userId);
        return password !== 'weak' || 'too weak';
      },
    });
    const { token } = await resets.issue('u1');
    const confirm = (password: string): Promise<HttpResponse | null> =>
      handle(neutralRequest({ method: 'POST', path: '/confirm', headers: json, raw: JSON.stringify({ token, password }) }));
    const weak = await confirm('weak');
    expect(weak?.status).toBe(400);
    expect(JSON.parse(weak?.body ?? '{}')).toMatchObject({ code: 'WEAK_PASSWORD', detail: 'too weak' });
    expect(seen).toEqual(['u1']);
    resets.store.indexMembers = () => Promise.reject(new Error('index gone'));
    const ok = await confirm('strong enough');
    expect(ok?.status).toBe(200);
    expect(passwords).toEqual(['strong enough']);
    expect(errors.map((e) => e.flow)).toEqual(['reset.revokeAll']);
  });

  describe('POST /confirm in one pass: the token parsed once, the user\'s index read and cleaned once', () => {
    const confirmWith = async (options: { onIssue?: 'keep'; validatePassword?: () => true; others?: number }) => {
      const store = new InstrumentedStore(new MemoryStore({ sweepIntervalMs: 0 }));
      const events: string[] = [];
      const resets = new ResetTokens({ store, secret, onEvent: (e) => events.push(e.type), ...(options.onIssue ? { onIssue: options.onIssue } : {}) });
      const passwords: string[] = [];
      const handle = createResetFlow({
        resets,
        baseUrl: 'https://app.example.com/auth/reset',
        findUserByEmail: () => null,
        sendResetEmail: () => {},
        setPassword: (userId, password) => {
          passwords.push(`${userId}:${password}`);
        },
        ...(options.validatePassword ? { validatePassword: options.validatePassword } : {}),
      });
      const others = [];
      for (let i = 0; i < (options.others ?? 0); i++) others.push(await resets.issue('u1'));
      const { token } = await resets.issue('u1');
      store.reset();
      events.length = 0;
      const res = await handle(
        neutralRequest({ method: 'POST', path: '/confirm', headers: json, raw: JSON.stringify({ token, password: 'long enough password' }) }),
      );
      const calls = { ...store.calls };
      expect(res?.status).toBe(200);
      expect(passwords).toEqual(['u1:long enough password']);
      expect(events).toEqual(['reset.consumed']);
      expect(await resets.check(token)).toEqual({ valid: false, code: 'NOT_FOUND' });
      for (const other of others) expect(await resets.check(other.token)).toEqual({ valid: false, code: 'NOT_FOUND' });
      expect(await resets.list({ userId: 'u1' })).toEqual([]);
      return calls;
    };

    it("'revoke-previous': consume, one index read, one delete at the user's id, one index removal — nothing read twice", async () => {
      const calls = await confirmWith({});
      // The delete at the user's derived id: a token issued while setPassword ran lives there (see below).
      expect(calls).toMatchObject({ get: 0, consume: 1, delete: 1, indexMembers: 1, indexRemove: 1 });
      expect(Object.values(calls).reduce((a, b) => a + b)).toBe(4);
    });

    it('a token issued while setPassword runs does not outlive the password change', async () => {
      const resets = new ResetTokens({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret });
      let issuedMeanwhile: string | undefined;
      const handle = createResetFlow({
        resets,
        baseUrl: 'https://app.example.com/auth/reset',
        findUserByEmail: () => null,
        sendResetEmail: () => {},
        setPassword: async (userId) => {
          // A second reset request for the same user lands at the user's derived id, where the consumed one was.
          issuedMeanwhile = (await resets.issue(userId)).token;
        },
      });
      const { token } = await resets.issue('u1');
      const res = await handle(
        neutralRequest({ method: 'POST', path: '/confirm', headers: json, raw: JSON.stringify({ token, password: 'long enough password' }) }),
      );
      expect(res?.status).toBe(200);
      expect(await resets.check(issuedMeanwhile)).toEqual({ valid: false, code: 'NOT_FOUND' });
    });

    it('with validatePassword: one non-consuming read first (a weak password keeps the link), then the same pass', async () => {
      const calls = await confirmWith({ validatePassword: () => true });
      expect(calls).toMatchObject({ get: 1, consume: 1, delete: 1, indexMembers: 1, indexRemove: 1 });
      expect(Object.values(calls).reduce((a, b) => a + b)).toBe(5);
    });

    it("'keep': the user's other tokens are deleted, the consumed one is not deleted again", async () => {
      const calls = await confirmWith({ onIssue: 'keep', others: 2 });
      // 2 others + the user's derived id (where a 'revoke-previous' token would live)
      expect(calls).toMatchObject({ get: 0, consume: 1, delete: 3, indexMembers: 1, indexRemove: 1 });
    });
  });

  it('POST /confirm: a malformed token is 410 MALFORMED without a store call; a manager of another package copy goes through its public methods', async () => {
    const store = new InstrumentedStore(new MemoryStore({ sweepIntervalMs: 0 }));
    const events: string[] = [];
    const resets = new ResetTokens({ store, secret, onEvent: (e) => events.push(`${e.type}:${e.code ?? ''}`) });
    const base = { baseUrl: 'https://app.example.com/auth/reset', findUserByEmail: () => null, sendResetEmail: () => {}, setPassword: () => {} };
    const confirm = (handle: ReturnType<typeof createResetFlow>, token: string) =>
      handle(neutralRequest({ method: 'POST', path: '/confirm', headers: json, raw: JSON.stringify({ token, password: 'long enough password' }) }));
    const malformed = await confirm(createResetFlow({ ...base, resets }), 'rst_nope');
    expect(malformed?.status).toBe(410);
    expect(JSON.parse(malformed?.body ?? '{}')).toMatchObject({ code: 'MALFORMED' });
    expect(store.total()).toBe(0);
    expect(events).toEqual(['reset.rejected:MALFORMED']);

    // The same manager seen through a plain object (as a second ESM/CJS copy of the package would see it).
    const revoked: string[] = [];
    const foreign = {
      store: resets.store,
      issue: resets.issue.bind(resets),
      check: resets.check.bind(resets),
      consume: resets.consume.bind(resets),
      revokeAll: (userId: string) => {
        revoked.push(userId);
        return resets.revokeAll(userId);
      },
    } as unknown as ResetTokens;
    const { token } = await resets.issue('u1');
    expect((await confirm(createResetFlow({ ...base, resets: foreign }), token))?.status).toBe(200);
    expect(revoked).toEqual(['u1']);
    expect((await confirm(createResetFlow({ ...base, resets: foreign }), token))?.status).toBe(410);
  });

  it('lets errors from app callbacks propagate (the framework answers them), but store failures become 503', async () => {
    const { handle, resets } = setup({
      setPassword: () => {
        throw new Error('db exploded');
      },
    });
    const { token } = await resets.issue('u1');
    const confirm = () =>
      handle(neutralRequest({ method: 'POST', path: '/confirm', headers: json, raw: JSON.stringify({ token, password: 'long password' }) }));
    await expect(confirm()).rejects.toThrow('db exploded');
    const broken = { hit: () => Promise.reject(new Error('ECONNREFUSED')) } as unknown as Store;
    const down = setup({ store: broken });
    const res = await down.handle(requestReset('a@example.com'));
    expect(res?.status).toBe(503);
    expect(res?.headers['retry-after']).toBe('1');
  });

  it('passes OPTIONS, unknown paths and nested paths on; validates options', async () => {
    const { handle } = setup();
    expect(await handle(neutralRequest({ method: 'OPTIONS', path: '/request' }))).toBeNull();
    expect(await handle(neutralRequest({ path: '/' }))).toBeNull();
    expect(await handle(neutralRequest({ path: '/a/b' }))).toBeNull();
    expect(() => setup({ baseUrl: '/relative' })).toThrow(/baseUrl/);
    expect(() => setup({ baseUrl: 'https://x.example/r?next=1' })).toThrow(/baseUrl/);
    expect(() => setup({ formPath: '//evil.example' })).toThrow(/formPath/);
    expect(() => setup({ sendResetEmail: undefined as never })).toThrow(/sendResetEmail/);
    expect(() => createResetFlow({} as never)).toThrow(/resets is required/);
  });
});
