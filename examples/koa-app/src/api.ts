import { bodyParser } from '@koa/bodyparser';
import { apiKeyAuth } from '@tokenkit/koa';
import { apiCreateNote, apiListNotes, apiMe, type Example } from 'example-shared';
import type { Context, Middleware, Next } from 'koa';
import { sendApi } from './glue.js';

/** One exact-path route: Koa has no router built in, and three routes do not need one. */
function route(method: string, path: string, ...chain: Middleware[]): Middleware {
  const run = (ctx: Context, i: number): Promise<void> => {
    const mw = chain[i];
    return mw ? Promise.resolve(mw(ctx, () => run(ctx, i + 1))) : Promise.resolve();
  };
  return (ctx: Context, next: Next) => (ctx.method === method && ctx.path === path ? run(ctx, 0) : next());
}

/**
 * The JSON API: every route is guarded by an API key with the scope it needs.
 * `ctx.state.apiKey` is the verified key (typed by @tokenkit/koa).
 */
export function apiRoutes(app: Example): Middleware[] {
  const { apiKeys } = app;
  const canRead = apiKeyAuth({ apiKeys, scopes: ['read'] });
  const canWrite = apiKeyAuth({ apiKeys, scopes: ['write'] });
  // The body is parsed after the guard: unauthenticated requests cost no parsing.
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '16kb' });
  return [
    route('GET', '/api/me', canRead, (ctx) => sendApi(ctx, apiMe(app, ctx.state.apiKey!))),
    route('GET', '/api/notes', canRead, (ctx) => sendApi(ctx, apiListNotes(app, ctx.state.apiKey!))),
    route('POST', '/api/notes', canWrite, json, (ctx) => sendApi(ctx, apiCreateNote(app, ctx.state.apiKey!, ctx.request.body))),
  ];
}
