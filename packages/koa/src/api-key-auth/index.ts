import { type ApiKeyAuthOptions, createApiKeyAuthFlow } from '@tokenkit/core';
import type { Middleware } from 'koa';
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
  return async (ctx, next) => {
    const outcome = await guard(new KoaRequest(ctx));
    if (outcome.response) return send(ctx, outcome.response);
    ctx.state.apiKey = outcome.apiKey;
    await next();
  };
}
