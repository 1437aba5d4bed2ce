import { type ApiKeyAuthOptions, type ApiKeyAuthOutcome, createApiKeyAuthFlow } from '@tokenkit/core';
import type { Context, Middleware, Next } from 'koa';
import '../augment.js';
import { KoaRequest, send } from '../request.js';

export type { ApiKeyAuthOptions } from '@tokenkit/core';

/**
 * Koa middleware that requires a valid API key and sets `ctx.state.apiKey`.
 *
 * 401 `WWW-Authenticate: Bearer realm="api"` without a key, 401
 * `error="invalid_token"` for a bad/expired/revoked one, 403
 * `error="insufficient_scope"`, 429 + `Retry-After` (per-key rate limit, no
 * uses left, too many failures from the client IP — `ctx.ip`, so it honours
 * `app.proxy`), 503 + `Retry-After` when the store is down. Bodies are
 * `application/problem+json`.
 *
 * @param options - `apiKeys`, `scopes`, `from`, `optional`, `throttle`, `store`, `realm`
 * @returns the middleware
 * @example
 * ```ts
 * app.use(apiKeyAuth({ apiKeys, scopes: ['read'] }))
 * app.use((ctx) => { ctx.body = { owner: ctx.state.apiKey?.ownerId } })
 * ```
 */
export function apiKeyAuth(options: ApiKeyAuthOptions): Middleware {
  const guard = createApiKeyAuthFlow(options);
  // Not an async function: a MemoryStore answers in this tick, and the
  // middleware then returns next()'s promise as is — no extra async frame.
  // Koa's compose turns a synchronous throw into a rejection.
  return (ctx, next) => {
    const answer = guard(new KoaRequest(ctx));
    if (answer instanceof Promise) return answer.then((outcome) => proceed(ctx, next, outcome));
    return proceed(ctx, next, answer);
  };
}

function proceed(ctx: Context, next: Next, outcome: ApiKeyAuthOutcome): Promise<unknown> | undefined {
  if (outcome.response) {
    send(ctx, outcome.response);
    return undefined;
  }
  ctx.state.apiKey = outcome.apiKey;
  return next();
}
