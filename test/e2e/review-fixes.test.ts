/**
 * Findings of the outside security review and of a new user, over HTTP
 * against both example apps (they must behave the same): each test sends
 * what the finding describes and checks the outcome, not the implementation.
 */
import { networkInterfaces } from 'node:os';
import { MemoryStore } from '@tokenkit/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp as createExpressApp } from '../../examples/express-app/src/app.js';
import { createApp as createKoaApp } from '../../examples/koa-app/src/app.js';
import { type StartedExample, startExample } from '../../examples/shared/src/index.js';
import { csrfOf, HttpClient, textOf, unescapeHtml } from './helpers/http-client.js';
import { DEMO_PASSWORD, REDIS_URL, startApp } from './helpers/start.js';

type Framework = 'express' | 'koa';

/** A signed-in client; each test signs in its own user so the per-address sign-in limit never interferes. */
async function signedIn(app: StartedExample, email: string, password = DEMO_PASSWORD): Promise<HttpClient> {
  const client = new HttpClient(app.url);
  const page = await client.navigate('/signin');
  const res = await client.postForm('/signin', { _csrf: csrfOf(page.body), email, password, next: '/keys' });
  expect(res.status).toBe(303);
  return client;
}

async function newUser(app: StartedExample, name: string, role = 'member'): Promise<string> {
  const email = `${name}@example.com`;
  await app.example.users.create({ email, name, password: DEMO_PASSWORD, role });
  return email;
}

/** A fresh single-use invitation link, created through the admin page. */
async function invitationLink(admin: HttpClient, maxUses = 1): Promise<string> {
  const page = await admin.navigate('/admin/invitations');
  const created = await admin.postForm('/admin/invitations', { _csrf: csrfOf(page.body), role: 'editor', maxUses: String(maxUses), expires: '1d', email: '' });
  expect(created.status).toBe(303);
  return unescapeHtml(textOf((await admin.navigate('/admin/invitations')).body, 'data-secret'));
}

/** A visitor who opened the invitation link: the accept page with its sign-up form. */
async function invitedVisitor(app: StartedExample, link: string): Promise<{ client: HttpClient; csrf: string }> {
  const client = new HttpClient(app.url);
  await client.get(link);
  const page = await client.navigate('/invitations');
  expect(page.body).toContain("You're invited");
  return { client, csrf: csrfOf(page.body) };
}

function signUp(visitor: { client: HttpClient; csrf: string }, name: string): Promise<Response> {
  return visitor.client.postForm('/invitations', { _csrf: visitor.csrf, name, email: `${name}@example.com`, password: `${name}-password-123` });
}

describe.each<Framework>(['express', 'koa'])('review findings (%s)', (framework) => {
  let app: StartedExample;
  let admin: HttpClient;

  beforeAll(async () => {
    app = await startApp(framework);
    admin = await signedIn(app, 'admin@example.com');
  });

  afterAll(async () => {
    await app?.close();
  });

  describe('sign-up with an invitation redeems it', () => {
    it('a single-use link creates one account: the second sign-up is refused and leaves no account', async () => {
      const link = await invitationLink(admin);
      const first = await invitedVisitor(app, link);
      const second = await invitedVisitor(app, link);
      const ok = await signUp(first, 'ivy');
      expect(ok.status).toBe(303);
      expect(ok.headers.get('location')).toBe('/welcome');
      expect(app.example.users.findByEmail('ivy@example.com')?.role).toBe('editor');

      const refused = await signUp(second, 'jack');
      expect(refused.status).toBe(410);
      expect(await refused.text()).toContain('no longer valid');
      expect(app.example.users.findByEmail('jack@example.com')).toBeNull();
    });

    it('two parallel sign-ups on a single-use link: exactly one account', async () => {
      const link = await invitationLink(admin);
      const visitors = await Promise.all([invitedVisitor(app, link), invitedVisitor(app, link)]);
      const answers = await Promise.all([signUp(visitors[0]!, 'kim'), signUp(visitors[1]!, 'lee')]);
      const welcomed = answers.filter((res) => res.status === 303 && res.headers.get('location') === '/welcome');
      expect(welcomed).toHaveLength(1);
      const accounts = ['kim@example.com', 'lee@example.com'].filter((email) => app.example.users.findByEmail(email) !== null);
      expect(accounts).toHaveLength(1);
      const invitation = (await app.example.invites.list()).find((i) => link.includes(i.id));
      expect(invitation).toMatchObject({ uses: 1, status: 'exhausted' });
    });

    it('a signed-in user accepts with a plain form post (no JavaScript)', async () => {
      const email = await newUser(app, 'mia');
      const mia = await signedIn(app, email);
      await mia.get(await invitationLink(admin));
      const page = await mia.navigate('/invitations');
      const accepted = await mia.postForm('/invitations', { _csrf: csrfOf(page.body) });
      expect(accepted.status).toBe(303);
      expect(accepted.headers.get('location')).toBe('/welcome');
      expect(app.example.users.findByEmail(email)?.role).toBe('editor');
    });
  });

  it('sign-in limit: of 40 parallel wrong passwords at most the limit are checked', async () => {
    const email = await newUser(app, 'nia');
    let checked = 0;
    const users = app.example.users;
    const authenticate = users.authenticate.bind(users);
    users.authenticate = (...args) => {
      checked++;
      return authenticate(...args);
    };
    try {
      const client = new HttpClient(app.url);
      const csrf = csrfOf((await client.navigate('/signin')).body);
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => client.postForm('/signin', { _csrf: csrf, email, password: `wrong-${i}` })),
      );
      expect(checked).toBeLessThanOrEqual(10);
      expect(answers.filter((res) => res.status === 429).length).toBeGreaterThanOrEqual(30);
    } finally {
      users.authenticate = authenticate;
    }
  });

  it('the sign-in throttle key holds no e-mail address', async () => {
    const keys: string[] = [];
    const store = app.example.store;
    const hit = store.hit.bind(store);
    store.hit = (ns, key, windowMs, cost) => {
      keys.push(`${ns}:${key}`);
      return hit(ns, key, windowMs, cost);
    };
    try {
      const client = new HttpClient(app.url);
      const csrf = csrfOf((await client.navigate('/signin')).body);
      await client.postForm('/signin', { _csrf: csrf, email: 'Alice@Example.com', password: 'wrong-password' });
    } finally {
      store.hit = hit;
    }
    const signIn = keys.filter((key) => key.startsWith('app:signin:'));
    expect(signIn).toHaveLength(1);
    expect(signIn[0]!.toLowerCase()).not.toContain('alice');
    expect(signIn[0]!.toLowerCase()).not.toContain('example');
  });

  describe('sessions', () => {
    it('a cookie-less GET creates no server-side session and sets no session cookie', async () => {
      const before = app.example.sessions.size;
      const res = await fetch(`${app.url}/signin`);
      expect(res.status).toBe(200);
      expect(res.headers.getSetCookie().some((c) => c.startsWith('tk_sid='))).toBe(false);
      expect(app.example.sessions.size).toBe(before);
    });

    it('a forged or stale form without the visitor cookie is refused', async () => {
      const page = await new HttpClient(app.url).navigate('/signin');
      const stranger = new HttpClient(app.url);
      const res = await stranger.postForm('/signin', { _csrf: csrfOf(page.body), email: 'alice@example.com', password: DEMO_PASSWORD });
      expect(res.status).toBe(403);
    });
  });

  it('sign-in `next`: attack strings are refused, local paths kept', async () => {
    const cases: [string, string][] = [
      ['/\t/evil.example/phish', '/keys'],
      ['/\n/evil.example', '/keys'],
      ['/\r\n/evil.example', '/keys'],
      ['/\u0000/evil.example', '/keys'],
      ['/\\evil.example', '/keys'],
      ['/\\/evil.example', '/keys'],
      ['//evil.example', '/keys'],
      ['/.//evil.example', '/keys'],
      ['https://evil.example/', '/keys'],
      ['javascript:alert(1)', '/keys'],
      ['/keys?tab=1#top', '/keys?tab=1#top'],
      ['/admin/../keys', '/keys'],
    ];
    for (const [i, [next, expected]] of cases.entries()) {
      // One user per case: the sign-in limit counts every attempt per address.
      const email = await newUser(app, `otto${i}`);
      const client = new HttpClient(app.url);
      const page = await client.navigate('/signin');
      const res = await client.postForm('/signin', { _csrf: csrfOf(page.body), email, password: DEMO_PASSWORD, next });
      expect([next, res.status, res.headers.get('location')]).toEqual([next, 303, expected]);
    }
  });

  describe('API key pages', () => {
    it('refuses a key without scopes', async () => {
      const email = await newUser(app, 'pia');
      const client = await signedIn(app, email);
      const page = await client.navigate('/keys');
      const res = await client.postForm('/keys', { _csrf: csrfOf(page.body), name: 'no scopes', expires: '1h' });
      expect(res.status).toBe(303);
      const after = await client.navigate('/keys');
      expect(after.body).toContain('Choose at least one scope');
      expect(after.body).not.toContain('data-secret');
      expect(await app.example.apiKeys.list({ ownerId: app.example.users.findByEmail(email)!.id })).toHaveLength(0);
    });

    it('shows the new key in the curl line, "rotated" for a rotated key and no expiry for a revoked one', async () => {
      const email = await newUser(app, 'quinn');
      const client = await signedIn(app, email);
      const page = await client.navigate('/keys');
      await client.postForm('/keys', { _csrf: csrfOf(page.body), name: 'script', scope_read: '1', expires: '30d' });
      const shown = await client.navigate('/keys');
      const key = textOf(shown.body, 'data-secret');
      expect(textOf(shown.body, 'data-try')).toBe(`curl -H "Authorization: Bearer ${key}" ${app.url}/api/me`);
      expect(textOf((await client.navigate('/keys')).body, 'data-try')).toContain('Bearer sk_…');

      const id = key.slice(3, 13);
      const row = (html: string, keyId: string) => html.slice(html.indexOf(`data-key-id="${keyId}"`));
      const list = await client.navigate('/keys');
      await client.postForm('/keys/rotate', { _csrf: csrfOf(list.body), id });
      const rotated = await client.navigate('/keys');
      const newKey = textOf(rotated.body, 'data-secret');
      const newId = newKey.slice(3, 13);
      // Either rotation style: a new id (the old row says "rotated") or the same id with a new secret (still active).
      expect(textOf(row(rotated.body, id), 'data-status')).toBe(newId === id ? 'active' : 'rotated');
      expect(textOf(row(rotated.body, newId), 'data-status')).toBe('active');

      await client.postForm('/keys/revoke', { _csrf: csrfOf(rotated.body), id: newId });
      const revoked = (await client.navigate('/keys')).body;
      expect(textOf(row(revoked, newId), 'data-status')).toBe('revoked');
      expect(textOf(row(revoked, newId), 'data-expires')).toBe('—');
    });
  });

  describe('password reset without JavaScript', () => {
    it('/password/reset opened directly explains what to do instead of showing a form that cannot work', async () => {
      const page = await new HttpClient(app.url).navigate('/password/reset');
      expect(page.res.status).toBe(200);
      expect(page.body).toContain('Open the link from your e-mail');
      expect(page.body).toContain('href="/forgot"');
      expect(page.body).not.toContain('id="password"');
    });

    it('the forgot form posts as plain HTML and answers with a page, not JSON', async () => {
      const client = new HttpClient(app.url);
      const page = await client.navigate('/forgot');
      const bad = await client.postForm('/forgot', { _csrf: csrfOf(page.body), email: 'not-an-address' });
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toContain('text/html');
      expect(await bad.text()).toContain('Enter a valid e-mail address.');
    });
  });

  it('serves a favicon', async () => {
    const page = await (await fetch(`${app.url}/signin`)).text();
    expect(page).toContain('<link rel="icon" href="/favicon.svg"');
    const icon = await fetch(`${app.url}/favicon.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toContain('image/svg+xml');
  });
});

/** A non-loopback address of this machine, to reach the app as "another computer" would. */
function lanAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) if (entry.family === 'IPv4' && !entry.internal) return entry.address;
  }
  return undefined;
}

describe.each<Framework>(['express', 'koa'])('dev outbox is for this machine only (%s)', (framework) => {
  const lan = lanAddress();
  let app: StartedExample;

  beforeAll(async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    app = await startExample({
      port: 0,
      host: '0.0.0.0',
      store: { store, description: 'memory', close: () => store.close() },
      secret: 'e2e-secret-that-is-long-enough-0123456789',
      demoPassword: DEMO_PASSWORD,
      scryptCost: { logN: 10, r: 8, p: 1 },
      createHandler: framework === 'express' ? createExpressApp : (example) => createKoaApp(example).callback(),
    });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers 200 on loopback and 403 from another address, even with a forged X-Forwarded-For', async () => {
    const port = new URL(app.url).port;
    expect((await fetch(`http://127.0.0.1:${port}/dev/outbox`)).status).toBe(200);
    if (!lan) return void console.warn('no non-loopback IPv4 address: the 403 half is skipped');
    const remote = await fetch(`http://${lan}:${port}/dev/outbox`, { headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(remote.status).toBe(403);
    expect(await remote.text()).not.toContain('article class="mail"');
  });
});

describe('sign-in throttle on Redis', () => {
  let app: StartedExample;

  beforeAll(async () => {
    app = await startApp('koa', 'redis');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('writes no e-mail address into any Redis key', async () => {
    const client = new HttpClient(app.url);
    const csrf = csrfOf((await client.navigate('/signin')).body);
    expect((await client.postForm('/signin', { _csrf: csrf, email: 'alice@example.com', password: 'wrong-password' })).status).toBe(401);
    const redis = new Redis(REDIS_URL);
    try {
      // This app's own key prefix, found through the demo key's record (other suites share the server).
      const [demoKey] = await redis.keys(`tokenkit-e2e-*${app.demo.apiKey.slice(3, 13)}*`);
      const prefix = /^tokenkit-e2e-[0-9a-f]{8}:/.exec(demoKey ?? '')?.[0];
      expect(prefix).toBeDefined();
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.filter((key) => key.includes('signin')).length).toBeGreaterThan(0);
      expect(keys.filter((key) => /@|%40|example\.com/i.test(key))).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
