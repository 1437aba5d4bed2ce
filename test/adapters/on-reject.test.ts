import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freshIp } from './client.js';
import { createFixture, type Fixture } from './fixture.js';
import { FRAMEWORKS, type RunningServer } from './frameworks.js';

/**
 * `onReject` on apiKeyAuth, resetRoutes and invitationRoutes: the app's own
 * answer replaces the problem+json one (status and headers kept by the app),
 * or an error reaches the app's error handler (sync `next(err)` / `ctx.throw`,
 * or an async handler that throws) — and the throttle counts either way.
 */
describe.each(FRAMEWORKS)('onReject on $name', (framework) => {
  describe('responding itself', () => {
    let fixture: Fixture;
    let server: RunningServer;

    beforeAll(async () => {
      fixture = createFixture({ reject: 'respond', authLimit: 2, reset: { minDuration: 0, ipLimit: { limit: 1, window: '1m' } } });
      server = await framework.start(fixture);
    });
    afterAll(async () => {
      await server.close();
      await fixture.store.close();
    });

    it('apiKeyAuth: the app answers with the rejection status, headers and code; success is untouched', async () => {
      const missing = await call(server.url, '/api/data');
      expect(missing.status).toBe(401);
      expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
      expect(missing.json()).toEqual({ error: 'MISSING_CREDENTIAL', path: '/api/data' });
      expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="api"');
      expect(missing.headers.get('cache-control')).toBe('no-store');

      const scoped = await fixture.apiKeys.create({ ownerId: 'o', scopes: ['read'] });
      const forbidden = await call(server.url, '/api/admin', { headers: { 'x-api-key': scoped.key } });
      expect(forbidden.status).toBe(403);
      expect(forbidden.json()).toMatchObject({ error: 'INSUFFICIENT_SCOPE' });
      expect(forbidden.headers.get('www-authenticate')).toContain('error="insufficient_scope"');

      const ok = await call(server.url, '/api/data', { headers: { 'x-api-key': scoped.key } });
      expect(ok.status).toBe(200);
      expect(ok.json()).toEqual({ ownerId: 'o', anonymous: false });
    });

    it('apiKeyAuth: the throttle still counts failures answered by onReject', async () => {
      const ip = freshIp();
      const codes: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await call(server.url, '/api/data', { headers: { 'x-api-key': `sk_guess${i}` }, ip });
        codes.push(`${res.status} ${res.json<{ error: string }>().error}`);
      }
      expect(codes).toEqual(['401 MALFORMED', '401 MALFORMED', '429 TOO_MANY_ATTEMPTS']);
      const blocked = await call(server.url, '/api/data', { headers: { 'x-api-key': 'sk_more' }, ip });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('resetRoutes: 400, 410 (cookie still cleared) and the per-IP 429 go through onReject', async () => {
      const bad = await call(server.url, '/auth/reset/request', { body: { email: 'not an address' } });
      expect(bad.status).toBe(400);
      expect(bad.json()).toEqual({ error: 'INVALID_EMAIL', path: '/auth/reset/request' });
      expect(bad.headers.get('referrer-policy')).toBe('no-referrer');

      const gone = await call(server.url, '/auth/reset/confirm', { body: { token: 'rst_unknown', password: 'long enough password' } });
      expect(gone.status).toBe(410);
      expect(gone.json()).toMatchObject({ error: 'MALFORMED' });
      expect(gone.cookies.some((c) => c.startsWith('tokenkit_reset=;'))).toBe(true);

      const ip = freshIp();
      expect((await call(server.url, '/auth/reset/request', { body: { email: 'a@example.org' }, ip })).status).toBe(202);
      const limited = await call(server.url, '/auth/reset/request', { body: { email: 'b@example.org' }, ip });
      expect(limited.status).toBe(429);
      expect(limited.json()).toMatchObject({ error: 'TOO_MANY_REQUESTS' });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('invitationRoutes: 401 and 404 go through onReject; a success is untouched', async () => {
      const anonymous = await call(server.url, '/invitations/accept', { body: { code: 'inv_x' } });
      expect(anonymous.status).toBe(401);
      expect(anonymous.json()).toMatchObject({ error: 'UNAUTHENTICATED' });
      const unknown = await call(server.url, '/invitations/inv_unknown');
      expect(unknown.status).toBeGreaterThanOrEqual(400);
      expect(unknown.json()).toHaveProperty('error');
      const { code } = await fixture.invites.create({ createdBy: 'admin', role: 'editor' });
      const accepted = await call(server.url, '/invitations/accept', { body: { code }, headers: { 'x-user': `u_${framework.name}` } });
      expect(accepted.status).toBe(200);
      expect(accepted.json()).toMatchObject({ role: 'editor' });
    });
  });

  describe.each(['next', 'throw'] as const)('passing an error on (%s)', (mode) => {
    let fixture: Fixture;
    let server: RunningServer;

    beforeAll(async () => {
      fixture = createFixture({ reject: mode, authLimit: 1 });
      server = await framework.start(fixture);
    });
    afterAll(async () => {
      await server.close();
      await fixture.store.close();
    });

    it("every rejection reaches the app's error handler, and the throttle still counts", async () => {
      const missing = await call(server.url, '/api/data');
      expect(missing.status).toBe(500);
      expect(missing.headers.get('x-app-error')).toBe('rejected MISSING_CREDENTIAL');

      const ip = freshIp();
      const first = await call(server.url, '/api/data', { headers: { 'x-api-key': 'sk_guess' }, ip });
      expect(first.headers.get('x-app-error')).toBe('rejected MALFORMED');
      const second = await call(server.url, '/api/data', { headers: { 'x-api-key': 'sk_guess' }, ip });
      expect(second.headers.get('x-app-error')).toBe('rejected TOO_MANY_ATTEMPTS');

      const reset = await call(server.url, '/auth/reset/confirm', { body: { password: 'long enough password' } });
      expect(reset.headers.get('x-app-error')).toBe('rejected MISSING_TOKEN');
      const invite = await call(server.url, '/invitations/accept', { body: { code: 'inv_x' } });
      expect(invite.headers.get('x-app-error')).toBe('rejected UNAUTHENTICATED');
    });
  });
});
