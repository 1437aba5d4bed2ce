import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FREE_IN_FLIGHT } from '@tokenkit/core/http';
import { call, cookieValue, form, freshIp } from './client.js';
import { ACCEPT_PATH, createFixture, type Fixture } from './fixture.js';
import { FRAMEWORKS, type RunningServer } from './frameworks.js';

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
let userCounter = 0;

describe.each(FRAMEWORKS)('invitationRoutes on $name', (framework) => {
  let fixture: Fixture;
  let server: RunningServer;

  beforeAll(async () => {
    fixture = createFixture();
    server = await framework.start(fixture);
  });
  afterAll(async () => {
    await server.close();
    await fixture.store.close();
  });

  const newUser = (email?: string) => {
    const id = `member_${framework.name}_${++userCounter}`;
    return email === undefined ? id : `${id};${email}`;
  };
  const accept = (body: unknown, user: string | undefined, headers: Record<string, string> = {}) =>
    call(server.url, '/invitations/accept', { method: 'POST', body, headers: { ...(user ? { 'x-user': user } : {}), ...headers } });

  it('GET/HEAD check only: JSON details, then exactly one POST redeems', async () => {
    const { code, invitation } = await fixture.invites.create({ createdBy: 'admin', role: 'editor' });
    for (let i = 0; i < 3; i++) {
      const res = await call(server.url, `/invitations/${code}`);
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({ valid: true, role: 'editor', expiresAt: invitation.expiresAt, emailBound: false });
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const head = await call(server.url, `/invitations/${code}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.text).toBe('');
      expect((await call(server.url, `/invitations/${code}`, { headers: HTML })).status).toBe(303);
    }
    expect((await fixture.invites.get(invitation.id))?.uses).toBe(0);
    const user = newUser();
    const before = fixture.accepted.length;
    const ok = await accept({ code }, user);
    expect(ok.status).toBe(200);
    const body = ok.json<{ role: string; invitation: Record<string, unknown> }>();
    expect(body.role).toBe('editor');
    expect(body.invitation).toMatchObject({ id: invitation.id, role: 'editor', uses: 1, status: 'exhausted' });
    expect(body.invitation).not.toHaveProperty('usedBy');
    expect(fixture.accepted.slice(before).map((a) => [a.user.id, a.role])).toEqual([[user, 'editor']]);
    const second = await accept({ code }, newUser());
    expect(second.status).toBe(410);
    expect(second.json()).toMatchObject({ code: 'EXHAUSTED', status: 410 });
    expect(fixture.accepted.length).toBe(before + 1);
  });

  it('browser flow: GET moves the code into a cookie + 303 to acceptPath; form POST with the cookie redeems and clears it', async () => {
    const { code } = await fixture.invites.create({ createdBy: 'admin', role: 'viewer' });
    const opened = await call(server.url, `/invitations/${code}`, { headers: HTML });
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe(ACCEPT_PATH);
    expect(cookieValue(opened.cookies, 'tokenkit_invite')).toBe(code);
    const cookie = opened.cookies[0]!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).not.toMatch(/; Secure/); // explicitly disabled for local http in this app
    expect(cookie).toMatch(/; Path=\/invitations(;|$)/);
    expect(Number(/Max-Age=(\d+)/.exec(cookie)?.[1])).toBeLessThanOrEqual(3600);

    const { body, headers } = form({});
    const res = await accept(body, newUser(), { ...headers, origin: server.url, cookie: `tokenkit_invite=${code}` });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ role: 'viewer' });
    expect(cookieValue(res.cookies, 'tokenkit_invite')).toBe('');
  });

  it('maps every failure code to its status', async () => {
    const multi = await fixture.invites.create({ createdBy: 'admin', maxUses: 5 });
    const user = newUser();
    expect((await accept({ code: multi.code }, user)).status).toBe(200);
    const again = await accept({ code: multi.code }, user);
    expect(again.status).toBe(409);
    expect(again.json()).toMatchObject({ code: 'ALREADY_REDEEMED', title: 'Conflict' });

    const bound = await fixture.invites.create({ createdBy: 'admin', email: 'Erin@Example.com' });
    expect((await call(server.url, `/invitations/${bound.code}`)).json()).toMatchObject({ emailBound: true });
    const mismatch = await accept({ code: bound.code }, newUser('mallory@example.com'));
    expect(mismatch.status).toBe(403);
    expect(mismatch.json()).toMatchObject({ code: 'EMAIL_MISMATCH' });
    expect(mismatch.cookies).toEqual([]);
    expect((await accept({ code: bound.code }, newUser(' erin@example.COM '))).status).toBe(200);

    const revoked = await fixture.invites.create({ createdBy: 'admin' });
    await fixture.invites.revoke(revoked.invitation.id);
    const expired = await fixture.invites.create({ createdBy: 'admin', expiresIn: 20 });
    await new Promise((resolve) => setTimeout(resolve, 40));
    const unknown = (await createFixture().invites.create({ createdBy: 'elsewhere' })).code;
    const cases: Array<[string, number, string]> = [
      ['inv_garbage', 404, 'MALFORMED'],
      [unknown, 404, 'NOT_FOUND'],
      [revoked.code, 410, 'REVOKED'],
      [expired.code, 410, 'EXPIRED'],
    ];
    for (const [code, status, failure] of cases) {
      const shown = await call(server.url, `/invitations/${encodeURIComponent(code)}`);
      expect(shown.status, failure).toBe(status);
      expect(shown.json()).toMatchObject({ status, code: failure });
      expect(shown.headers.get('content-type')).toBe('application/problem+json');
      const accepted = await accept({ code }, newUser());
      expect(accepted.status, failure).toBe(status);
      expect(accepted.json()).toMatchObject({ code: failure });
    }
    const html = await call(server.url, `/invitations/${revoked.code}`, { headers: HTML });
    expect(html.status).toBe(303);
    expect(html.headers.get('location')).toBe(`${ACCEPT_PATH}?error=invalid_invitation`);
  });

  it('CSRF: accept refuses a foreign Origin/Referer whatever Sec-Fetch-Site says; the cookie alone needs an origin', async () => {
    const evil = 'https://evil.example.com';
    const refused: Array<[string, Record<string, string>, string]> = [
      ['foreign Origin, same-site', { origin: evil, 'sec-fetch-site': 'same-site' }, 'CROSS_SITE_REQUEST'],
      ['foreign Origin, none', { origin: evil, 'sec-fetch-site': 'none' }, 'CROSS_SITE_REQUEST'],
      ['foreign Origin, no fetch metadata', { origin: evil }, 'CROSS_SITE_REQUEST'],
      ['Origin: null', { origin: 'null' }, 'CROSS_SITE_REQUEST'],
      ['foreign Referer only', { referer: `${evil}/join` }, 'CROSS_SITE_REQUEST'],
      ['neither header, code only in the cookie', {}, 'ORIGIN_REQUIRED'],
    ];
    const { code, invitation } = await fixture.invites.create({ createdBy: 'admin', maxUses: 10 });
    for (const [name, headers, failure] of refused) {
      for (const body of [form({}), form({ code })]) {
        if (name.startsWith('neither') && body.body !== '') continue; // a body code without headers is allowed below
        const res = await accept(body.body, newUser(), { ...body.headers, cookie: `tokenkit_invite=${code}`, ...headers });
        expect(res.status, name).toBe(403);
        expect(res.json(), name).toMatchObject({ status: 403, code: failure });
      }
    }
    expect((await fixture.invites.get(invitation.id))?.uses).toBe(0);
    // The app's own origin (here: no baseUrl configured, so the request's Host), by Origin or by Referer.
    const own = form({});
    expect((await accept(own.body, newUser(), { ...own.headers, origin: server.url, cookie: `tokenkit_invite=${code}` })).status).toBe(200);
    expect((await accept(own.body, newUser(), { ...own.headers, referer: `${server.url}/join`, cookie: `tokenkit_invite=${code}` })).status).toBe(200);
    expect((await accept({ code }, newUser())).status).toBe(200); // neither header, code in the body
  });

  it('per-IP throttle: the 21st unknown code (checks and accepts together) → 429 + Retry-After, problem+json', async () => {
    const ip = freshIp();
    const elsewhere = createFixture().invites;
    const unknown = await Promise.all(Array.from({ length: 21 }, async () => (await elsewhere.create({ createdBy: 'x' })).code));
    const { code: real } = await fixture.invites.create({ createdBy: 'admin', maxUses: 5 });
    // Expired/used-up/revoked codes come from real links: never counted.
    const revoked = await fixture.invites.create({ createdBy: 'admin' });
    await fixture.invites.revoke(revoked.invitation.id);
    for (let i = 0; i < 25; i++) expect((await call(server.url, `/invitations/${revoked.code}`, { ip })).status).toBe(410);
    for (let i = 0; i < 20; i++) {
      const res =
        i % 2 === 0
          ? await call(server.url, `/invitations/${unknown[i]}`, { ip })
          : await call(server.url, '/invitations/accept', { method: 'POST', body: { code: unknown[i] }, headers: { 'x-user': newUser() }, ip });
      expect(res.status, `attempt ${i + 1}`).toBe(404);
    }
    const blocked = await call(server.url, `/invitations/${unknown[20]}`, { ip });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('content-type')).toBe('application/problem+json');
    expect(blocked.headers.get('cache-control')).toBe('no-store');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(blocked.json()).toMatchObject({ status: 429, code: 'TOO_MANY_ATTEMPTS' });
    // The same RateLimit headers as every other throttle 429 (standardHeaders, default on): 20 per 15 minutes.
    expect(blocked.headers.get('ratelimit-policy')).toBe('"invite-ip"; q=20; w=900');
    expect(blocked.headers.get('ratelimit')).toMatch(/^"invite-ip"; r=0; t=\d+$/);
    // Blocked is blocked: a real code from that address is not verified either; other addresses are unaffected.
    const accepting = await call(server.url, '/invitations/accept', { method: 'POST', body: { code: real }, headers: { 'x-user': newUser() }, ip });
    expect(accepting.status).toBe(429);
    expect((await call(server.url, `/invitations/${real}`)).status).toBe(200);
  });

  it('per-IP throttle holds under a burst: 300 parallel unknown codes behind a slow store verify at most 20 + FREE_IN_FLIGHT', async () => {
    const ip = freshIp();
    const elsewhere = createFixture().invites;
    const unknown = await Promise.all(Array.from({ length: 300 }, async () => (await elsewhere.create({ createdBy: 'x' })).code));
    fixture.store.latencyMs = 5;
    const before = fixture.store.calls.get ?? 0;
    const replies = await Promise.all(unknown.map((code) => call(server.url, `/invitations/${code}`, { ip })));
    fixture.store.latencyMs = 0;
    const verified = (fixture.store.calls.get ?? 0) - before;
    expect(replies.filter((r) => r.status !== 404 && r.status !== 429)).toEqual([]);
    expect(verified).toBeLessThanOrEqual(20 + FREE_IN_FLIGHT);
  });

  it('accept needs a signed-in user (401), a code (400) and a same-site POST (403)', async () => {
    const { code, invitation } = await fixture.invites.create({ createdBy: 'admin' });
    const anonymous = await accept({ code }, undefined);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json()).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    expect((await accept({}, newUser())).json()).toMatchObject({ code: 'MISSING_CODE', status: 400 });
    expect((await accept({ code: 7 }, newUser())).json()).toMatchObject({ code: 'INVALID_BODY', status: 400 });
    expect((await accept({ code }, newUser(), { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await fixture.invites.get(invitation.id))?.uses).toBe(0);
    expect((await call(server.url, '/invitations/accept')).status).toBe(405);
    expect((await call(server.url, `/invitations/${code}`, { method: 'DELETE' })).headers.get('allow')).toBe('GET, HEAD');
    expect((await call(server.url, '/invitations/a/b')).status).toBe(404);
  });
});
