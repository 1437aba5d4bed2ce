/**
 * "Anyone can sign everyone out": every cookie-less GET used to create a
 * server-side session, and the bounded session table evicted the oldest —
 * signed-in users — once 10,000 were reached. Driven through the shared
 * dispatcher (what both apps call) to keep 20,000 requests cheap.
 */
import { MemoryStore } from '@tokenkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createExample, dispatch, pageRoutes, type Route, type WebRequest, type WebResponse } from '../index.js';

const store = new MemoryStore({ sweepIntervalMs: 0 });
afterAll(() => store.close());

const app = createExample({ store, secret: 'a-test-secret-that-is-long-enough-0123', baseUrl: 'http://localhost:3000', scryptCost: { logN: 10, r: 8, p: 1 } });
const routes = pageRoutes({ devOutbox: true });
const route = (method: string, path: string): Route => routes.find((r) => r.method === method && r.path === path)!;

function request(method: string, path: string, cookieHeader?: string, form: Record<string, unknown> = {}): WebRequest {
  return { method, path, query: new URLSearchParams(), cookieHeader, fetchSite: 'same-origin', origin: undefined, referer: undefined, form, remoteAddress: '127.0.0.1' };
}

/** `a=1; b=2` from the Set-Cookie values of a response (cleared cookies dropped). */
function jar(res: WebResponse, previous = ''): string {
  const cookies = new Map(previous ? previous.split('; ').map((pair) => pair.split('=') as [string, string]) : []);
  for (const line of res.cookies) {
    const [name = '', value = ''] = line.split(';')[0]!.split('=');
    if (value) cookies.set(name, value);
    else cookies.delete(name);
  }
  return [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
}

describe('sessions under a flood of cookie-less requests', () => {
  it('20,000 cookie-less GETs do not sign out a signed-in user', async () => {
    await app.users.create({ email: 'sam@example.com', name: 'Sam', password: 'sams-password-123' });
    const page = await dispatch(app, route('GET', '/signin'), request('GET', '/signin'));
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
    let cookies = jar(page);
    const signedIn = await dispatch(
      app,
      route('POST', '/signin'),
      request('POST', '/signin', cookies, { _csrf: csrf, email: 'sam@example.com', password: 'sams-password-123' }),
    );
    expect(signedIn.status).toBe(303);
    cookies = jar(signedIn, cookies);

    const home = route('GET', '/');
    for (let i = 0; i < 20_000; i++) await dispatch(app, home, request('GET', '/'));

    const keys = await dispatch(app, route('GET', '/keys'), request('GET', '/keys', cookies));
    expect(keys.status).toBe(200);
    expect(keys.body).toContain('sam@example.com');
  });
});
