import { type ApiKeyAuthOptions as CoreApiKeyAuthOptions, type ApiKeyAuthOutcome, createApiKeyAuthFlow, isThenable, optionalFunction } from '@tokenkit/core/http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import '../augment.js';
import { answer, type ExpressRejectHandler, ExpressRequest, settle } from '../request.js';

export type { ExpressRejectHandler } from '../request.js';

/** Options of Express's `apiKeyAuth`: the shared options, `from` functions receiving `req`, and `onReject`. */
export interface ApiKeyAuthOptions extends CoreApiKeyAuthOptions<Request> {
  /**
   * Replaces the problem+json answer of a rejected request (401, 403, 429,
   * 503): respond yourself, or `next(err)` to your error handler. The
   * throttle has already counted the failure.
   */
  onReject?: ExpressRejectHandler | undefined;
}

/**
 * Express middleware that requires a valid API key and sets `req.apiKey`.
 *
 * 401 `WWW-Authenticate: Bearer realm="api"` without a key, 401
 * `error="invalid_token"` for a bad/expired/revoked one, 403
 * `error="insufficient_scope"`, 429 + `Retry-After` (per-key rate limit, no
 * uses left, too many failures from the client IP — `req.ip`, so it honours
 * `trust proxy`), 503 + `Retry-After` when the store is down. Bodies are
 * `application/problem+json` unless `onReject` answers instead. Keys with a
 * `rateLimit` get `RateLimit-Policy` / `RateLimit` headers.
 *
 * @param options - `apiKeys`, `scopes`, `from`, `optional`, `throttle`, `store`, `realm`, `standardHeaders`, `onReject`
 * @returns the middleware
 * @example
 * ```ts
 * app.get('/api/me', apiKeyAuth({ apiKeys, scopes: ['read'] }), (req, res) => {
 *   res.json({ owner: req.apiKey?.ownerId })
 * })
 * ```
 */
export function apiKeyAuth(options: ApiKeyAuthOptions): RequestHandler {
  const guard = createApiKeyAuthFlow<Request>(options);
  const onReject = optionalFunction(options.onReject, 'apiKeyAuth: onReject');
  return (req: Request, res: Response, next: NextFunction): void => {
    // A MemoryStore (or RedisStore's trusted client-side copy) answers in this tick: continue without a promise hop.
    // A synchronous throw reaches Express's own try/catch → next(err).
    const outcome = guard(new ExpressRequest(req));
    if (isThenable(outcome)) settle(outcome, (decided) => proceed(req, res, next, decided, onReject), next);
    else proceed(req, res, next, outcome, onReject);
  };
}

function proceed(
  req: Request,
  res: Response,
  next: NextFunction,
  outcome: ApiKeyAuthOutcome,
  onReject: ExpressRejectHandler | undefined,
): void {
  if (outcome.response) {
    answer(req, res, next, outcome.response, onReject);
    return;
  }
  if (outcome.headers) for (const name in outcome.headers) res.setHeader(name, outcome.headers[name]!);
  req.apiKey = outcome.apiKey;
  next();
}
