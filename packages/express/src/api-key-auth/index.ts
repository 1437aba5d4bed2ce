import { type ApiKeyAuthOptions, type ApiKeyAuthOutcome, createApiKeyAuthFlow } from '@tokenkit/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import '../augment.js';
import { ExpressRequest, send, settle } from '../request.js';

export type { ApiKeyAuthOptions } from '@tokenkit/core';

/**
 * Express middleware that requires a valid API key and sets `req.apiKey`.
 *
 * 401 `WWW-Authenticate: Bearer realm="api"` without a key, 401
 * `error="invalid_token"` for a bad/expired/revoked one, 403
 * `error="insufficient_scope"`, 429 + `Retry-After` (per-key rate limit, no
 * uses left, too many failures from the client IP — `req.ip`, so it honours
 * `trust proxy`), 503 + `Retry-After` when the store is down. Bodies are
 * `application/problem+json`.
 *
 * @param options - `apiKeys`, `scopes`, `from`, `optional`, `throttle`, `store`, `realm`
 * @returns the middleware
 * @example
 * ```ts
 * app.get('/api/me', apiKeyAuth({ apiKeys, scopes: ['read'] }), (req, res) => {
 *   res.json({ owner: req.apiKey?.ownerId })
 * })
 * ```
 */
export function apiKeyAuth(options: ApiKeyAuthOptions): RequestHandler {
  const guard = createApiKeyAuthFlow(options);
  return (req: Request, res: Response, next: NextFunction): void => {
    // A MemoryStore answers in this tick: continue without a promise hop.
    // A synchronous throw reaches Express's own try/catch → next(err).
    const answer = guard(new ExpressRequest(req));
    if (answer instanceof Promise) settle(answer, (outcome) => proceed(req, res, next, outcome), next);
    else proceed(req, res, next, answer);
  };
}

function proceed(req: Request, res: Response, next: NextFunction, outcome: ApiKeyAuthOutcome): void {
  if (outcome.response) {
    send(res, outcome.response);
    return;
  }
  req.apiKey = outcome.apiKey;
  next();
}
