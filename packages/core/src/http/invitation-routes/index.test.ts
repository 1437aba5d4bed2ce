import { describe, expect, it } from 'vitest';
import { Invitations } from '../../invitations/index.js';
import { MemoryStore } from '../../store/memory-store.js';
import { neutralRequest } from '../testing/neutral-request.js';
import { createInvitationFlow } from './index.js';

const secret = 'unit-test-secret-0123456789abcdefghij';

describe('createInvitationFlow', () => {
  it('hands getUser and onAccepted the native request, and awaits onAccepted before answering', async () => {
    const invites = new Invitations({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret });
    const { code } = await invites.create({ createdBy: 'admin', role: 'editor' });
    const log: string[] = [];
    const handle = createInvitationFlow<{ session: string }, { id: string }>({
      invites,
      getUser: (native) => ({ id: native.session }),
      onAccepted: async ({ user, role }, native) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        log.push(`${user.id}:${role}:${native.session}`);
      },
    });
    const request = { ...neutralRequest({ method: 'POST', path: '/accept', headers: { 'content-type': 'application/json' }, raw: JSON.stringify({ code }) }), native: { session: 'u7' } };
    const res = await handle(request);
    expect(res?.status).toBe(200);
    expect(log).toEqual(['u7:editor:u7']);
  });

  it('a user without a usable id is answered 401 as signed out (never a 500), with one TOKENKIT_UNUSABLE_USER warning', async () => {
    const invites = new Invitations({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret });
    const { code } = await invites.create({ createdBy: 'admin', role: 'editor' });
    const warnings: Array<{ code?: string }> = [];
    const onWarning = (warning: Error & { code?: string }) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      for (const id of ['', 'x'.repeat(257), 42, undefined]) {
        const handle = createInvitationFlow<null, { id: string }>({ invites, getUser: () => ({ id: id as string }) });
        const res = await handle(
          neutralRequest({ method: 'POST', path: '/accept', headers: { 'content-type': 'application/json' }, raw: JSON.stringify({ code }) }),
        );
        expect(res?.status, String(id)).toBe(401);
        expect(JSON.parse(String(res?.body)).code).toBe('UNAUTHENTICATED');
      }
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      expect(warnings.filter((w) => w.code === 'TOKENKIT_UNUSABLE_USER')).toHaveLength(1);
      // The invitation was not spent.
      expect((await invites.check(code)).valid).toBe(true);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('baseUrl and trustedOrigins name the origins that may POST /accept; the Host header then no longer counts', async () => {
    const invites = new Invitations({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret });
    const { code } = await invites.create({ createdBy: 'admin', maxUses: 10 });
    const handle = createInvitationFlow<null, { id: string }>({
      invites,
      getUser: () => ({ id: `u${Math.random()}` }),
      baseUrl: 'https://app.example.com/invitations',
      trustedOrigins: ['https://www.example.com'],
    });
    const post = (headers: Record<string, string>) =>
      handle(
        neutralRequest({
          method: 'POST',
          path: '/accept',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tokenkit_invite=${code}`, ...headers },
          raw: '',
        }),
      );
    expect((await post({ origin: 'https://app.example.com' }))?.status).toBe(200);
    expect((await post({ origin: 'https://www.example.com' }))?.status).toBe(200);
    expect((await post({ referer: 'https://app.example.com/join' }))?.status).toBe(200);
    const viaHost = await post({ host: 'internal:8080', origin: 'http://internal:8080' });
    expect(viaHost?.status).toBe(403);
    expect(JSON.parse(String(viaHost?.body)).code).toBe('CROSS_SITE_REQUEST');
    expect((await post({}))?.status).toBe(403);
    expect(() => createInvitationFlow({ invites, getUser: () => null, baseUrl: 'app.example.com' })).toThrow(/invitationRoutes: baseUrl/);
    expect(() => createInvitationFlow({ invites, getUser: () => null, trustedOrigins: 'https://x' as never })).toThrow(/trustedOrigins/);
  });

  it('the per-IP 429 carries RateLimit-Policy / RateLimit unless standardHeaders is false', async () => {
    const invites = new Invitations({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret });
    const elsewhere = new Invitations({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret });
    const unknown = (await elsewhere.create({ createdBy: 'x' })).code;
    const statusAfterTwoGuesses = async (standardHeaders: boolean | undefined) => {
      const handle = createInvitationFlow({ invites, getUser: () => null, ipLimit: { limit: 1, window: '1m' }, standardHeaders });
      const guess = () => handle(neutralRequest({ path: `/${unknown}`, ip: `198.51.100.${standardHeaders === false ? 2 : 1}` }));
      expect((await guess())?.status).toBe(404);
      return guess();
    };
    const blocked = await statusAfterTwoGuesses(undefined);
    expect(blocked?.status).toBe(429);
    expect(blocked?.headers['ratelimit-policy']).toBe('"invite-ip"; q=1; w=60');
    expect(blocked?.headers.ratelimit).toMatch(/^"invite-ip"; r=0; t=(59|60)$/);
    const quiet = await statusAfterTwoGuesses(false);
    expect(quiet?.status).toBe(429);
    expect(quiet?.headers['retry-after']).toMatch(/^\d+$/);
    expect(quiet?.headers['ratelimit-policy']).toBeUndefined();
    expect(quiet?.headers.ratelimit).toBeUndefined();
  });

  it('rejects configuration mistakes at construction', () => {
    const invites = new Invitations({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret });
    expect(() => createInvitationFlow({} as never)).toThrow(/invites is required/);
    expect(() => createInvitationFlow({ invites } as never)).toThrow(/getUser/);
    expect(() => createInvitationFlow({ invites, getUser: () => null, acceptPath: 'join' })).toThrow(/acceptPath/);
    expect(() => createInvitationFlow({ invites, getUser: () => null, bodyLimit: 0 })).toThrow(/bodyLimit/);
  });
});
