import { bodyParser } from '@koa/bodyparser';
import { invitationRoutes, resetRoutes } from '@tokenkit/koa';
import { ASSETS, dispatch, type Example, PATHS, pageRoutes, renderStandalone, SECURITY_HEADERS, tokenkitHooks } from 'example-shared';
import Koa from 'koa';
import { apiRoutes } from './api.js';
import { sendWeb, toWebRequest } from './glue.js';

/**
 * The Koa app: tokenkit's three flows, each one `app.use()`, around the
 * shared pages (sign in, API keys, invitations, outbox).
 */
export function createApp(app: Example): Koa {
  const web = new Koa();
  web.use(async (ctx, next) => {
    ctx.set(SECURITY_HEADERS);
    try {
      await next();
    } catch (err) {
      // Body-parser errors carry a 4xx status (bad JSON, too large); anything else is our bug.
      const status = (err as { status?: unknown }).status;
      const code = typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
      if (code === 500) console.error(err);
      if (ctx.path.startsWith('/api/')) {
        ctx.status = code;
        ctx.type = 'application/problem+json';
        ctx.body = JSON.stringify({ type: 'about:blank', title: code === 500 ? 'Internal Server Error' : 'Bad Request', status: code, code: code === 500 ? 'INTERNAL' : 'BAD_REQUEST' });
      } else {
        sendWeb(ctx, renderStandalone(app, ctx.get('cookie') || undefined, code, code === 500 ? 'Something went wrong' : 'Bad request', code === 500 ? 'Please try again.' : 'The request could not be read.'));
      }
    }
  });
  web.use(async (ctx, next) => {
    const asset = ctx.method === 'GET' || ctx.method === 'HEAD' ? ASSETS[ctx.path] : undefined;
    if (!asset) return next();
    ctx.type = asset.contentType;
    ctx.set('cache-control', 'public, max-age=300');
    ctx.body = asset.body;
  });

  // tokenkit: password reset and invitations (each matches only its own paths under `base`).
  const hooks = tokenkitHooks(app);
  web.use(resetRoutes({ ...hooks.reset, base: PATHS.resetBase }));
  web.use(
    invitationRoutes({ ...hooks.invitation, base: PATHS.inviteBase, getUser: (ctx) => hooks.userFromCookieHeader(ctx.get('cookie') || undefined) }),
  );
  for (const mw of apiRoutes(app)) web.use(mw);

  // The HTML pages, from the framework-neutral route table.
  const routes = pageRoutes({ devOutbox: app.devOutbox });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  web.use(async (ctx, next) => {
    // HEAD is answered like GET (Koa drops the body), as Express does on its own.
    const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
    const route = routes.find((r) => r.method === method && r.path === ctx.path);
    if (!route) return next();
    if (route.method === 'POST') await form(ctx, async () => {});
    sendWeb(ctx, await dispatch(app, route, toWebRequest(ctx)));
  });

  web.use((ctx) => {
    if (ctx.path.startsWith('/api/')) {
      ctx.status = 404;
      ctx.type = 'application/problem+json';
      ctx.body = JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, code: 'NOT_FOUND' });
      return;
    }
    sendWeb(ctx, renderStandalone(app, ctx.get('cookie') || undefined, 404, 'Page not found', 'There is nothing at this address.'));
  });
  return web;
}
