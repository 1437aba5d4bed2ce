/**
 * The same three flows against the Koa example, over plain HTTP: a cookie
 * jar instead of a browser, the requests the pages (and /app.js) would send.
 */
import type { StartedExample } from '../../examples/shared/src/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfOf, HttpClient, textOf, unescapeHtml } from './helpers/http-client.js';
import { DEMO_PASSWORD, eventually, type StoreKind, startApp } from './helpers/start.js';

let app: StartedExample;

async function signIn(client: HttpClient, email: string, password: string): Promise<Response> {
  const page = await client.navigate('/signin');
  return client.postForm('/signin', { _csrf: csrfOf(page.body), email, password, next: '/keys' });
}

// On both stores: `REDIS_URL` switches the example to RedisStore, and the flows must not notice.
describe.each<StoreKind>(['memory', 'redis'])('Koa example over HTTP (%s store)', (kind) => {
  beforeAll(async () => {
    app = await startApp('koa', kind);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('resets a forgotten password through the e-mailed link, once', async () => {
    const client = new HttpClient(app.url);
    const email = 'alice@example.com';
    const newPassword = 'a-brand-new-password-42';

    // The plain HTML forms, as a browser without JavaScript posts them.
    const forgot = await client.navigate('/forgot');
    const requested = await client.postForm('/forgot', { _csrf: csrfOf(forgot.body), email });
    expect(requested.status).toBe(303);
    expect(requested.headers.get('location')).toBe('/forgot/sent');
    await eventually(() => app.example.outbox.list().find((m) => m.to === email), 'the reset e-mail');

    // Find the link on the outbox page, as a person would.
    const outbox = await client.navigate('/dev/outbox');
    const link = unescapeHtml(/href="(http[^"]*\/auth\/reset\/rst_[^"]*)"/.exec(outbox.body)?.[1] ?? '');
    expect(link).toMatch(/^http:\/\/localhost:\d+\/auth\/reset\/rst_/);

    // Opening it moves the token into a cookie and redirects to a token-free URL.
    const opened = await client.get(link);
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/password/reset');
    expect(opened.headers.get('cache-control')).toBe('no-store');
    expect(opened.headers.get('referrer-policy')).toBe('no-referrer');
    expect(client.has('tokenkit_reset')).toBe(true);
    const form = await client.navigate('/password/reset');
    expect(form.res.status).toBe(200);
    expect(form.body).toContain('Set a new password');
    expect(form.body).not.toContain('rst_');

    // A weak password is refused without burning the link.
    const weak = await client.postForm('/password/reset', { _csrf: csrfOf(form.body), password: 'short', confirm: 'short' });
    expect(weak.status).toBe(400);
    expect(await weak.text()).toContain('Use at least 10 characters.');
    const confirmed = await client.postForm('/password/reset', { _csrf: csrfOf(form.body), password: newPassword, confirm: newPassword });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe('/signin?notice=reset');
    expect(client.has('tokenkit_reset')).toBe(false);

    const good = await signIn(new HttpClient(app.url), email, newPassword);
    expect(good.status).toBe(303);
    expect(good.headers.get('location')).toBe('/keys');
    const bad = await signIn(new HttpClient(app.url), email, DEMO_PASSWORD);
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain('Wrong e-mail or password.');

    // Following the same link again: the clear "expired or used" page.
    const again = await client.navigate(link);
    expect(again.url).toBe('/password/reset?error=invalid_link');
    expect(again.res.status).toBe(410);
    expect(again.body).toContain('This link has expired or was already used');
    expect(again.body).toContain('href="/forgot"');
  });

  it('lets an admin invite someone who signs up and gets the role', async () => {
    const admin = new HttpClient(app.url);
    expect((await signIn(admin, 'admin@example.com', DEMO_PASSWORD)).status).toBe(303);
    const adminPage = await admin.navigate('/admin/invitations');
    const created = await admin.postForm('/admin/invitations', {
      _csrf: csrfOf(adminPage.body),
      role: 'editor',
      maxUses: '2',
      expires: '1d',
      email: '',
    });
    expect(created.status).toBe(303);
    const withLink = await admin.navigate('/admin/invitations');
    const link = unescapeHtml(textOf(withLink.body, 'data-secret'));
    expect(link).toMatch(new RegExp(`^${app.url}/invitations/inv_`));

    const carol = new HttpClient(app.url);
    const opened = await carol.get(link);
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/invitations');
    const accept = await carol.navigate('/invitations');
    expect(accept.body).toContain("You're invited");
    expect(textOf(accept.body, 'data-role')).toBe('editor');

    // Not signed in yet: the accept endpoint says so.
    expect((await carol.postJson('/invitations/accept', {})).status).toBe(401);

    // Signing up redeems the invitation in the same step.
    const signedUp = await carol.postForm('/invitations', {
      _csrf: csrfOf(accept.body),
      name: 'Carol',
      email: 'carol@example.com',
      password: 'carols-password-123',
    });
    expect(signedUp.status).toBe(303);
    expect(signedUp.headers.get('location')).toBe('/welcome');
    expect(carol.has('tokenkit_invite')).toBe(false);
    const welcome = await carol.navigate('/welcome');
    expect(welcome.body).toContain('Welcome aboard, Carol!');
    expect(textOf(welcome.body, 'data-role')).toBe('editor');
    expect(app.example.users.findByEmail('carol@example.com')?.role).toBe('editor');

    // The same user cannot redeem a multi-use invitation twice.
    await carol.get(link);
    expect((await carol.postJson('/invitations/accept', {})).status).toBe(409);

    const list = await admin.navigate('/admin/invitations');
    expect(list.body).toContain('1 / 2');
  });

  it('creates an API key, which works until it is revoked in the page', async () => {
    const client = new HttpClient(app.url);
    await signIn(client, 'admin@example.com', DEMO_PASSWORD);
    const keysPage = await client.navigate('/keys');

    // Forms without the session's CSRF token are refused.
    const forged = await client.postForm('/keys', { name: 'forged', scope_read: '1', expires: '1h' });
    expect(forged.status).toBe(403);

    const created = await client.postForm('/keys', { _csrf: csrfOf(keysPage.body), name: 'read-only', scope_read: '1', expires: '1h' });
    expect(created.status).toBe(303);
    const shown = await client.navigate('/keys');
    const key = textOf(shown.body, 'data-secret');
    expect(key).toMatch(/^sk_[0-9A-Za-z]{48}$/);
    const listed = (await client.navigate('/keys')).body;
    expect(listed).not.toContain(key);
    const row = (html: string) => html.slice(html.indexOf(`data-key-id="${key.slice(3, 13)}"`));
    expect(textOf(row(listed), 'data-last-used')).toBe('never');

    const call = (path: string, init: RequestInit = {}) =>
      fetch(`${app.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
    const me = await call('/api/me');
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { email: 'admin@example.com' }, key: { scopes: ['read'] } });
    // A read-only key cannot write.
    const write = await call('/api/notes', { method: 'POST', body: JSON.stringify({ text: 'x' }) });
    expect(write.status).toBe(403);
    expect(write.headers.get('www-authenticate')).toContain('error="insufficient_scope"');

    const keys = await client.navigate('/keys');
    expect(textOf(row(keys.body), 'data-last-used')).toBe('just now');
    const revoked = await client.postForm('/keys/revoke', { _csrf: csrfOf(keys.body), id: key.slice(3, 13) });
    expect(revoked.status).toBe(303);
    const after = await client.navigate('/keys');
    expect(after.body).toContain('requests with it now get 401');
    const gone = await call('/api/me');
    expect(gone.status).toBe(401);
    expect(gone.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('rotates the demo key: the new key works, the old one stops', async () => {
    const client = new HttpClient(app.url);
    // Independent of the reset test, which changed Alice's password.
    await app.example.users.setPassword('u_alice', 'alices-rotation-password');
    await signIn(client, 'alice@example.com', 'alices-rotation-password');
    const oldKey = app.demo.apiKey;
    const keys = await client.navigate('/keys');
    const rotated = await client.postForm('/keys/rotate', { _csrf: csrfOf(keys.body), id: oldKey.slice(3, 13) });
    expect(rotated.status).toBe(303);
    const newKey = textOf((await client.navigate('/keys')).body, 'data-secret');
    expect(newKey).toMatch(/^sk_/);
    const me = (key: string) => fetch(`${app.url}/api/me`, { headers: { authorization: `Bearer ${key}` } });
    expect((await me(newKey)).status).toBe(200);
    expect((await me(oldKey)).status).toBe(401);
  });

  it('bounces cross-site navigations once so SameSite=Strict cookies come along', async () => {
    const client = new HttpClient(app.url);
    const res = await client.request('/keys', { headers: { 'sec-fetch-site': 'cross-site' }, html: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('<meta http-equiv="refresh" content="0;url=/keys">');
  });
});
