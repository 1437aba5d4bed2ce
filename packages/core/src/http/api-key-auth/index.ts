import type { ApiKey, ApiKeyFailureCode, ApiKeys, ApiKeyVerifyResult } from '../../api-keys/index.js';
import { ConfigError, isStoreUnavailableError } from '../../errors.js';
import type { Store } from '../../store/types.js';
import { type CredentialSource, compileSources } from '../credential-source/index.js';
import { problem, retryAfter, storeUnavailable } from '../response/index.js';
import { type ThrottleOptions, WindowThrottle } from '../throttle/index.js';
import type { HttpRequest, HttpResponse } from '../types.js';

/** Options of `apiKeyAuth` (the same in `@tokenkit/express` and `@tokenkit/koa`). */
export interface ApiKeyAuthOptions {
  /** The key manager that verifies presented keys. */
  apiKeys: ApiKeys;
  /** Scopes every request must have (all of them), else 403 `insufficient_scope`. */
  scopes?: readonly string[] | undefined;
  /** Where to look for the key, first match wins (default `['authorization', 'x-api-key']`). */
  from?: readonly CredentialSource[] | undefined;
  /** Let requests without any key through (with no `apiKey`); a bad key is still rejected. */
  optional?: boolean | undefined;
  /**
   * Failed verifications allowed per client IP per window before 429 (default
   * `{ limit: 20, window: '1m' }`); `false` disables it.
   */
  throttle?: ThrottleOptions | false | undefined;
  /** Store for the throttle's counters (default: the key manager's store). */
  store?: Store | undefined;
  /** `realm` of `WWW-Authenticate` (default `'api'`). */
  realm?: string | undefined;
}

/**
 * Outcome of the API-key guard: `apiKey` (or `undefined` for an anonymous
 * request under `optional: true`) → continue; `response` → send it instead.
 */
export type ApiKeyAuthOutcome = { response: undefined; apiKey: ApiKey | undefined } | { response: HttpResponse };

/**
 * The guard's answer: the outcome itself when it could be decided without
 * waiting (a `MemoryStore` lookup, a missing key, a blocked client), else a
 * native `Promise` of it — so an adapter can continue in the same tick, with
 * no promise allocated, on the common path.
 */
export type ApiKeyAuthAnswer = ApiKeyAuthOutcome | Promise<ApiKeyAuthOutcome>;

/** Default brute-force throttle: 20 failed verifications per client IP per minute. */
export const DEFAULT_AUTH_THROTTLE: ThrottleOptions = Object.freeze({ limit: 20, window: '1m' });

/** Out of uses never comes back; tell well-behaved clients to stop for a day. */
const USAGE_EXCEEDED_RETRY_MS = 86_400_000;

const ANONYMOUS: ApiKeyAuthOutcome = Object.freeze({ response: undefined, apiKey: undefined });

/**
 * Builds the framework-neutral API-key guard. The success path is one
 * header lookup, one `ApiKeys.verifyNow` (one store operation) and no throttle
 * store call: only failures are counted, and clients known to be blocked are
 * answered from memory (see {@link WindowThrottle}). It answers synchronously
 * whenever the store does (see {@link ApiKeyAuthAnswer}); a synchronous throw
 * is a programming error (e.g. an app callback threw), like a rejection.
 *
 * Statuses: no key → 401 `Bearer realm="api"`; malformed/unknown/revoked/
 * expired → 401 `error="invalid_token"`; missing scope → 403
 * `error="insufficient_scope"`; per-key rate limit, out of uses or too many
 * failures from this IP → 429 + `Retry-After`; store down → 503 + `Retry-After`.
 *
 * @param options - see {@link ApiKeyAuthOptions}
 * @returns a function from a neutral request to an outcome
 * @throws ConfigError on unusable options
 * @example
 * ```ts
 * const guard = createApiKeyAuthFlow({ apiKeys, scopes: ['read'] })
 * const answer = guard(request)
 * const outcome = answer instanceof Promise ? await answer : answer
 * if (outcome.response) send(outcome.response)
 * else request.native.apiKey = outcome.apiKey
 * ```
 */
export function createApiKeyAuthFlow(options: ApiKeyAuthOptions): (request: HttpRequest) => ApiKeyAuthAnswer {
  if (!options || typeof options.apiKeys?.verify !== 'function') {
    throw new ConfigError('apiKeyAuth: options.apiKeys is required, e.g. apiKeyAuth({ apiKeys: new ApiKeys({ store }) })');
  }
  const { apiKeys } = options;
  // A test double with only `verify` (e.g. `{ verify: vi.fn() }`) still works, one promise hop slower.
  const verify: (key: string, options: { scopes?: readonly string[] }) => ApiKeyVerifyResult | Promise<ApiKeyVerifyResult> =
    typeof apiKeys.verifyNow === 'function' ? (key, o) => apiKeys.verifyNow(key, o) : (key, o) => apiKeys.verify(key, o);
  const extract = compileSources(options.from ?? ['authorization', 'x-api-key']);
  const optional = options.optional === true;
  const realm = quoted(options.realm ?? 'api');
  const scopes = options.scopes && options.scopes.length > 0 ? [...options.scopes] : undefined;
  const verifyOptions = scopes ? { scopes } : {};
  const throttle =
    options.throttle === false
      ? undefined
      : new WindowThrottle(options.store ?? apiKeys.store, 'throttle:apikey-ip', options.throttle ?? DEFAULT_AUTH_THROTTLE);
  const challenge = `Bearer realm=${realm}`;
  const invalidChallenge = `Bearer realm=${realm}, error="invalid_token"`;
  const scopeChallenge = `Bearer realm=${realm}, error="insufficient_scope"${scopes ? `, scope=${quoted(scopes.join(' '))}` : ''}`;

  return (request) => {
    const key = extract(request);
    if (key === undefined) {
      if (optional) return ANONYMOUS;
      return reply(401, 'MISSING_CREDENTIAL', 'Send an API key: Authorization: Bearer <key>.', { 'www-authenticate': challenge });
    }
    // The IP is read only when some client is blocked: on the valid-key path it costs nothing.
    if (throttle?.anyBlocked) {
      const blocked = throttle.blockedMs(request.ip);
      if (blocked > 0) return tooManyAttempts(blocked);
    }
    let answer: ApiKeyVerifyResult | Promise<ApiKeyVerifyResult>;
    try {
      answer = verify(key, verifyOptions);
    } catch (err) {
      return unavailable(err);
    }
    if (!(answer instanceof Promise)) return decide(answer, request);
    return answer.then((result) => decide(result, request), unavailable);
  };

  function decide(result: ApiKeyVerifyResult, request: HttpRequest): ApiKeyAuthAnswer {
    if (result.valid) return { response: undefined, apiKey: result.apiKey };
    switch (result.code) {
      case 'INSUFFICIENT_SCOPE':
        return reply(403, result.code, 'The API key lacks a required scope.', { 'www-authenticate': scopeChallenge });
      case 'RATE_LIMITED':
        return reply(429, result.code, 'The API key exceeded its rate limit.', {
          'retry-after': retryAfter(result.retryAfterMs),
        });
      case 'USAGE_EXCEEDED':
        return reply(429, result.code, 'The API key has no uses left.', { 'retry-after': retryAfter(USAGE_EXCEEDED_RETRY_MS) });
      default:
        return invalid(result.code, request);
    }
  }

  async function invalid(code: ApiKeyFailureCode, request: HttpRequest): Promise<ApiKeyAuthOutcome> {
    if (throttle) {
      try {
        const { retryAfterMs } = await throttle.hit(request.ip);
        if (retryAfterMs > 0) return tooManyAttempts(retryAfterMs);
      } catch (err) {
        return unavailable(err);
      }
    }
    return reply(401, code, 'The API key is invalid, expired or revoked.', { 'www-authenticate': invalidChallenge });
  }
}

/** Store down → 503 (fail closed); anything else is a programming error and propagates. */
function unavailable(err: unknown): ApiKeyAuthOutcome {
  if (isStoreUnavailableError(err)) return { response: storeUnavailable(err.retryAfterMs) };
  throw err;
}

function tooManyAttempts(retryAfterMs: number): ApiKeyAuthOutcome {
  return reply(429, 'TOO_MANY_ATTEMPTS', 'Too many failed API-key attempts from this address.', {
    'retry-after': retryAfter(retryAfterMs),
  });
}

function reply(status: number, code: string, detail: string, headers: Record<string, string>): ApiKeyAuthOutcome {
  return { response: problem({ status, code, detail, headers }) };
}

/** RFC 9110 quoted-string (backslash-escapes `"` and `\`). */
function quoted(value: string): string {
  return `"${String(value).replace(/["\\]/g, '\\$&')}"`;
}
