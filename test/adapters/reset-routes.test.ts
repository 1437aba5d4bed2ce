import { RESET_REQUEST_ACCEPTED } from '@tokenkit/core/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, cookieValue, eventually, form, freshIp, headersWithoutDate } from './client.js';
import { BASE_URL, createFixture, FORM_PATH, type Fixture } from './fixture.js';
import { FRAMEWORKS, type RunningServer } from './frameworks.js';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
/** What a browser sends with a form post from the app's own pages. */
const SAME_ORIGIN = { origin: new URL(BASE_URL).origin };

function expectTokenHeaders(headers: Headers): void {
  expect(headers.get('cache-control')).toBe('no-store');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
}

describe.each(FRAMEWORKS.flatMap((framework) => [false, true].map((preparsed) => ({ framework, preparsed }))))(
  'resetRoutes on $framework.name (app body parser: $preparsed)',
  ({ framework, preparsed }) => {
    let fixture: Fixture;
    let server: RunningServer;

    beforeAll(async () => {
      fixture = createFixture({ preparsed, reset: { minDuration: 20, ipLimit: { limit: 3, window: '1m' } } });
      server = await framework.start(fixture);
    });
    afterAll(async () => {
      await server.close();
      await fixture.store.close();
    });

    const post = (path: string, body: unknown, headers: Record<string, string> = {}, ip?: string) =>
      call(server.url, `/auth/reset${path}`, { method: 'POST', body, headers, ...(ip ? { ip } : {}) });
    const linkOf = async (email: string, count: number) => {
      await eventually(() => fixture.outbox.filter((m) => m.email === email).length >= count);
      return fixture.outbox.filter((m) => m.email === email)[count - 1]!;
    };
    const tokenOf = (url: string) => url.slice(BASE_URL.length + 1);

    it('POST /request → 202 for known, unknown and cooled-down addresses, byte-identical but Date', async () => {
      const fresh = fixture.addUser(`u_${framework.name}_${preparsed}`, `carol.${framework.name}.${preparsed}@example.com`);
      const known = await post('/request', { email: fresh.email });
      const unknown = await post('/request', { email: `nobody.${framework.name}@example.com` });
      const cooled = await post('/request', { email: `  ${fresh.email.toUpperCase()} ` });
      for (const res of [known, unknown, cooled]) {
        expect(res.status).toBe(202);
        expect(res.json()).toEqual(RESET_REQUEST_ACCEPTED);
        expectTokenHeaders(res.headers);
        expect(res.cookies).toEqual([]);
        expect(res.ms).toBeGreaterThanOrEqual(19);
      }
      expect(headersWithoutDate(unknown.headers)).toEqual(headersWithoutDate(known.headers));
      expect(headersWithoutDate(cooled.headers)).toEqual(headersWithoutDate(known.headers));
      expect(unknown.text).toBe(known.text);
      expect(cooled.text).toBe(known.text);
      const message = await linkOf(fresh.email, 1);
      expect(message.user).toEqual(fresh);
      expect(message.url.startsWith(`${BASE_URL}/rst_`)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 30));
      // The cooldown (one mail per address per minute) held for the differently-cased repeat.
      expect(fixture.outbox.filter((m) => m.user.id === fresh.id)).toHaveLength(1);
    });

    it('accepts an HTML form body', async () => {
      const user = fixture.addUser(`u_form_${framework.name}_${preparsed}`, `form.${framework.name}.${preparsed}@example.com`);
      const { body, headers } = form({ email: user.email });
      expect((await post('/request', body, headers)).status).toBe(202);
      await linkOf(user.email, 1);
    });

    it('rejects bad bodies with 400 / 413 / 415 problem+json', async () => {
      const cases: Array<[unknown, Record<string, string>, number, string]> = [
        [{}, {}, 400, 'INVALID_BODY'],
        [{ email: 42 }, {}, 400, 'INVALID_BODY'],
        [{ email: ['a@b.c'] }, {}, 400, 'INVALID_BODY'],
        [{ email: { $ne: '' } }, {}, 400, 'INVALID_BODY'],
        [{ email: 'not-an-address' }, {}, 400, 'INVALID_EMAIL'],
        ['email=a%40b.c&email=d%40e.f', { 'content-type': 'application/x-www-form-urlencoded' }, 400, 'INVALID_BODY'],
      ];
      if (!preparsed) {
        // Only tokenkit's own parser is under test here (an app's parser answers these itself).
        cases.push(['{"email": ', { 'content-type': 'application/json' }, 400, 'MALFORMED_BODY']);
        cases.push(['[1,2]', { 'content-type': 'application/json' }, 400, 'MALFORMED_BODY']);
        cases.push([`{"email":"${'a'.repeat(20_000)}@x.io"}`, { 'content-type': 'application/json' }, 413, 'PAYLOAD_TOO_LARGE']);
        cases.push(['email=a@b.c', { 'content-type': 'text/plain' }, 415, 'UNSUPPORTED_MEDIA_TYPE']);
      }
      for (const [body, headers, status, code] of cases) {
        const res = await post('/request', body, headers);
        expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(status);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(res.json()).toMatchObject({ status, code });
      }
    });

    it('per-IP limit: the 4th request from one IP → 429 + Retry-After; another IP still gets 202', async () => {
      const ip = freshIp();
      for (let i = 0; i < 3; i++) expect((await post('/request', { email: `x${i}@example.org` }, {}, ip)).status).toBe(202);
      const limited = await post('/request', { email: 'x3@example.org' }, {}, ip);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.json()).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
      expect((await post('/request', { email: 'x3@example.org' }, {}, freshIp())).status).toBe(202);
    });

    it('JSON clients: GET and HEAD check without consuming → { valid, expiresAt }; POST confirm then consumes once', async () => {
      const {
        token,
        reset: { expiresAt },
      } = await fixture.resets.issue('u_alice');
      for (let i = 0; i < 3; i++) {
        const res = await call(server.url, `/auth/reset/${token}`);
        expect(res.status).toBe(200);
        expect(res.json()).toEqual({ valid: true, expiresAt });
        expectTokenHeaders(res.headers);
        const head = await call(server.url, `/auth/reset/${token}`, { method: 'HEAD' });
        expect(head.status).toBe(200);
        expect(head.text).toBe('');
      }
      const before = fixture.passwords.length;
      const ok = await post('/confirm', { token, password: 'correct horse battery' });
      expect(ok.status).toBe(200);
      expect(ok.json()).toEqual({ ok: true });
      expectTokenHeaders(ok.headers);
      expect(fixture.passwords.slice(before)).toEqual([{ userId: 'u_alice', password: 'correct horse battery' }]);
      const reused = await post('/confirm', { token, password: 'correct horse battery' });
      expect(reused.status).toBe(410);
      expect(reused.json()).toMatchObject({ status: 410, title: 'Gone', code: expect.stringMatching(/NOT_FOUND|EXPIRED/) });
      const again = await call(server.url, `/auth/reset/${token}`);
      expect(again.status).toBe(410);
      expect(fixture.passwords.length).toBe(before + 1);
    });

    it('end to end: e-mailed link → GET moves the token into a cookie + 303 → form POST with the cookie → setPassword once → revokeAll', async () => {
      const user = fixture.addUser(`u_e2e_${framework.name}_${preparsed}`, `dave.${framework.name}.${preparsed}@example.com`);
      expect((await post('/request', { email: user.email })).status).toBe(202);
      const message = await linkOf(user.email, 1);
      const token = tokenOf(message.url);
      const spare = await fixture.resets.issue(user.id); // another outstanding token
      const path = new URL(message.url).pathname;

      const head = await call(server.url, path, { method: 'HEAD', headers: HTML });
      expect(head.status).toBe(303);
      const opened = await call(server.url, path, { headers: HTML });
      expect(opened.status).toBe(303);
      expect(opened.headers.get('location')).toBe(FORM_PATH);
      expect(opened.headers.get('location')).not.toContain(token);
      expectTokenHeaders(opened.headers);
      expect(opened.cookies).toHaveLength(1);
      const cookie = opened.cookies[0]!;
      expect(cookieValue(opened.cookies, 'tokenkit_reset')).toBe(token);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Strict/);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; Path=\/auth\/reset(;|$)/);
      const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)?.[1]);
      expect(maxAge).toBeGreaterThan(0);
      expect(maxAge).toBeLessThanOrEqual(900);

      const weak = form({ password: 'short' });
      const rejected = await post('/confirm', weak.body, { ...weak.headers, ...SAME_ORIGIN, cookie: `tokenkit_reset=${token}` });
      expect(rejected.status).toBe(400);
      expect(rejected.json()).toMatchObject({ code: 'WEAK_PASSWORD', detail: 'Use at least 8 characters.' });
      expect(rejected.cookies).toEqual([]); // the link stays usable

      const strong = form({ password: 'a much better passphrase' });
      const before = fixture.passwords.length;
      const done = await post('/confirm', strong.body, { ...strong.headers, ...SAME_ORIGIN, cookie: `tokenkit_reset=${token}` });
      expect(done.status).toBe(200);
      expect(cookieValue(done.cookies, 'tokenkit_reset')).toBe('');
      expect(done.cookies[0]).toMatch(/Max-Age=0/);
      expect(fixture.passwords.slice(before)).toEqual([{ userId: user.id, password: 'a much better passphrase' }]);

      const reuse = await post('/confirm', strong.body, { ...strong.headers, ...SAME_ORIGIN, cookie: `tokenkit_reset=${token}` });
      expect(reuse.status).toBe(410);
      const relink = await call(server.url, path, { headers: HTML });
      expect(relink.status).toBe(303);
      expect(relink.headers.get('location')).toBe(`${FORM_PATH}?error=invalid_link`);
      expect(cookieValue(relink.cookies, 'tokenkit_reset')).toBe('');
      expect((await fixture.resets.check(spare.token)).valid).toBe(false); // revokeAll ran
      expect(fixture.passwords.length).toBe(before + 1);
    });

    it('confirm: 400 without a token or password, 410 for unknown tokens, 403 cross-site', async () => {
      const missing = await post('/confirm', { password: 'long enough password' });
      expect(missing.status).toBe(400);
      expect(missing.json()).toMatchObject({ code: 'MISSING_TOKEN' });
      const { token } = await fixture.resets.issue('u_bob');
      expect((await post('/confirm', { token })).json()).toMatchObject({ code: 'INVALID_BODY' });
      expect((await post('/confirm', { token, password: 12345678 })).status).toBe(400);
      expect((await post('/confirm', { token: [token], password: 'long enough password' })).status).toBe(400);
      const unknown = await post('/confirm', { token: 'rst_nope', password: 'long enough password' });
      expect(unknown.status).toBe(410);
      expect(unknown.json()).toMatchObject({ code: 'MALFORMED' });
      const crossSite = await post('/confirm', { token, password: 'long enough password' }, { 'sec-fetch-site': 'cross-site' });
      expect(crossSite.status).toBe(403);
      expect(crossSite.json()).toMatchObject({ code: 'CROSS_SITE_REQUEST' });
      expect((await fixture.resets.check(token)).valid).toBe(true);
    });

    it('CSRF: a cookie-authorised confirm needs Origin (else Referer) = baseUrl\'s origin, whatever Sec-Fetch-Site says', async () => {
      const { token } = await fixture.resets.issue('u_bob');
      const submit = (headers: Record<string, string>) => {
        const { body, headers: type } = form({ password: 'attacker chose this' });
        return post('/confirm', body, { ...type, cookie: `tokenkit_reset=${token}`, ...headers });
      };
      const evil = 'https://evil.example.com';
      const refused: Array<[string, Record<string, string>, string]> = [
        ['foreign Origin, same-site', { origin: evil, 'sec-fetch-site': 'same-site' }, 'CROSS_SITE_REQUEST'],
        ['foreign Origin, none', { origin: evil, 'sec-fetch-site': 'none' }, 'CROSS_SITE_REQUEST'],
        ['foreign Origin, no fetch metadata', { origin: evil }, 'CROSS_SITE_REQUEST'],
        ['sibling subdomain', { origin: 'https://blog.example.test', 'sec-fetch-site': 'same-site' }, 'CROSS_SITE_REQUEST'],
        ['other scheme', { origin: 'http://app.example.test' }, 'CROSS_SITE_REQUEST'],
        ['Origin: null', { origin: 'null' }, 'CROSS_SITE_REQUEST'],
        ['foreign Referer only', { referer: `${evil}/form` }, 'CROSS_SITE_REQUEST'],
        ['right Origin but cross-site fetch metadata', { ...SAME_ORIGIN, 'sec-fetch-site': 'cross-site' }, 'CROSS_SITE_REQUEST'],
        ['neither header, token only in the cookie', {}, 'ORIGIN_REQUIRED'],
      ];
      for (const [name, headers, code] of refused) {
        const res = await submit(headers);
        expect(res.status, name).toBe(403);
        expect(res.headers.get('content-type'), name).toBe('application/problem+json');
        expect(res.json(), name).toMatchObject({ status: 403, code });
      }
      expect((await fixture.resets.check(token)).valid).toBe(true);
      expect(fixture.passwords.filter((p) => p.password === 'attacker chose this')).toEqual([]);

      // The app's own page: by Origin, or by Referer when a browser sent no Origin.
      expect((await submit({ referer: `${new URL(BASE_URL).origin}/reset-password` })).status).toBe(200);
      const second = await fixture.resets.issue('u_bob');
      const ok = await post('/confirm', { password: 'long enough password' }, { ...SAME_ORIGIN, cookie: `tokenkit_reset=${second.token}` });
      expect(ok.status).toBe(200);
      // Neither header but the token in the body (not ambient authority, e.g. a native app): accepted.
      const third = await fixture.resets.issue('u_bob');
      expect((await post('/confirm', { token: third.token, password: 'long enough password' })).status).toBe(200);
    });

    it('invalid links: JSON → 410 problem; wrong methods → 405 with Allow; other paths fall through', async () => {
      const gone = await call(server.url, '/auth/reset/rst_unknown');
      expect(gone.status).toBe(410);
      expect(gone.headers.get('content-type')).toBe('application/problem+json');
      expectTokenHeaders(gone.headers);
      const getRequest = await call(server.url, '/auth/reset/request');
      expect(getRequest.status).toBe(405);
      expect(getRequest.headers.get('allow')).toBe('POST');
      const postToken = await call(server.url, '/auth/reset/rst_x', { method: 'POST', body: {} });
      expect(postToken.status).toBe(405);
      expect(postToken.headers.get('allow')).toBe('GET, HEAD');
      for (const path of ['/auth/reset', '/auth/reset/', '/auth/reset/a/b', '/auth/resetx/request']) {
        expect((await call(server.url, path)).status, path).toBe(404);
      }
    });
  },
);
