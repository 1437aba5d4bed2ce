import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tkKoa from '@tokenkit/koa';
import { call } from './client.js';
import { createFixture, type Fixture } from './fixture.js';

const require = createRequire(import.meta.url);

type KoaMiddleware = ReturnType<typeof tkKoa.apiKeyAuth>;
interface KoaApp {
  silent: boolean;
  use(middleware: KoaMiddleware): KoaApp;
  listen(port: number, host: string, done: () => void): import('node:http').Server;
}
type KoaModule = new () => KoaApp;

/**
 * What Koa itself does with an error thrown by `onReject`, with no error
 * handler of the app's: `ctx.throw(status, msg, { headers })` keeps the
 * headers (Koa's `onerror` sets `err.headers`) on 2.x and 3.x; what is lost
 * is the problem+json body, replaced by Koa's plain-text message.
 */
describe.each(['koa2', 'koa3'] as const)('a rejection thrown to %s default error handling', (name) => {
  let fixture: Fixture;
  let url: string;
  let server: import('node:http').Server;

  beforeAll(async () => {
    fixture = createFixture();
    const Koa = require(name) as KoaModule;
    const app = new Koa();
    app.silent = true;
    app.use(
      tkKoa.apiKeyAuth({
        ...fixture.auth,
        onReject: (rejection, ctx) => ctx.throw(rejection.status, rejection.problem.detail ?? rejection.code, { headers: rejection.headers, expose: true }),
      }),
    );
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await fixture.store.close();
  });

  it('keeps WWW-Authenticate and Cache-Control, loses the problem+json body', async () => {
    const res = await call(url, '/');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toBe('Send an API key: Authorization: Bearer <key> or X-Api-Key: <key>.');
  });
});
