import { type ApiKeyAuthOptions as CoreApiKeyAuthOptions, type ApiKeyAuthOutcome, createApiKeyAuthFlow, isThenable, optionalFunction } from '@tokenkit/core/http';
import type { Context, Middleware, Next } from 'koa';
import type { ApiKeyState } from '../augment.js';
import { answer, type KoaRejectHandler, KoaRequest } from '../request.js';

export type { KoaRejectHandler } from '../request.js';

/** Options of Koa's `apiKeyAuth`: the shared options, `from` functions receiving `ctx`, and `onReject`. */
export interface ApiKeyAuthOptions extends CoreApiKeyAuthOptions<Context> {
  /**
   * Replaces the problem+json answer of a rejected request (401, 403, 429,
   * 503): set `ctx.status`/`ctx.body` yourself, or throw (`ctx.throw`) to
   * your error handling. The throttle has already counted the failure.
   */
  onReject?: KoaRejectHandler | undefined;
}

/**
 * Koa middleware that requires a valid API key and sets `ctx.state.apiKey`.
 *
 * 401 `WWW-Authenticate: Bearer realm="api"` without a key, 401
 * `error="invalid_token"` for a bad/expired/revoked one, 403
 * `error="insufficient_scope"`, 429 + `Retry-After` (per-key rate limit, no
 * uses left, too many failures from the client IP — `ctx.ip`, so it honours
 * `app.proxy`), 503 + `Retry-After` when the store is down. Bodies are
 * `application/problem+json` unless `onReject` answers instead. Keys with a
 * `rateLimit` get `RateLimit-Policy` / `RateLimit` headers.
 *
 * With a typed app, add {@link ApiKeyState}: `new Koa<MyState & ApiKeyState>()`.
 *
 * @param options - `apiKeys`, `scopes`, `from`, `optional`, `throttle`, `store`, `realm`, `standardHeaders`, `onReject`
 * @returns the middleware
 * @example
 * ```ts
 * app.use(apiKeyAuth({ apiKeys, scopes: ['read'] }))
 * app.use((ctx) => { ctx.body = { owner: ctx.state.apiKey?.ownerId } })
 * ```
 */
export function apiKeyAuth(options: ApiKeyAuthOptions): Middleware<ApiKeyState> {
  const guard = createApiKeyAuthFlow<Context>(options);
  const onReject = optionalFunction(options.onReject, 'apiKeyAuth: onReject');
  // Not an async function: a MemoryStore (or RedisStore's trusted client-side copy) answers in this tick, and the
  // middleware then returns next()'s promise as is — no extra async frame.
  // Koa's compose turns a synchronous throw into a rejection.
  return (ctx, next) => {
    const outcome = guard(new KoaRequest(ctx));
    if (isThenable(outcome)) return outcome.then((decided) => proceed(ctx, next, decided, onReject));
    return proceed(ctx, next, outcome, onReject);
  };
}

function proceed(ctx: Context, next: Next, outcome: ApiKeyAuthOutcome, onReject: KoaRejectHandler | undefined): unknown {
  if (outcome.response) return answer(ctx, next, outcome.response, onReject);
  if (outcome.headers) ctx.set(outcome.headers);
  ctx.state.apiKey = outcome.apiKey;
  return next();
}
