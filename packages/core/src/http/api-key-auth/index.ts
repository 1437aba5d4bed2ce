import { type ApiKey, type ApiKeyFailureCode, type ApiKeys, type ApiKeyVerifyResult, verifyInTick } from '../../api-keys/index.js';
import { ConfigError, isStoreUnavailableError } from '../../errors.js';
import { type EventSink, eventSinkOf, storeErrorCode, type VerifyTraceContext, verifyTracing } from '../../events.js';
import { isThenable, type MaybePromise } from '../../maybe-promise.js';
import type { Store } from '../../store/types.js';
import { type CredentialSource, challengeScheme, compileSources, describeSources } from '../credential-source/index.js';
import { rateLimitHeaders } from '../rate-limit-headers/index.js';
import { problem, retryAfter, storeUnavailable } from '../response/index.js';
import { blockedResponse } from '../throttle/blocked.js';
import { FailureGate, type GateOutcome } from '../throttle/failure-gate.js';
import type { ThrottleOptions } from '../throttle/index.js';
import type { HttpRequest, HttpResponse } from '../types.js';

/**
 * Options of `apiKeyAuth` (the same in `@tokenkit/express` and `@tokenkit/koa`).
 *
 * @typeParam N - the native request `from` functions receive (Express `req`, Koa `ctx`)
 */
export interface ApiKeyAuthOptions<N = unknown> {
  /** The key manager that verifies presented keys. */
  apiKeys: ApiKeys;
  /** Scopes every request must have (all of them), else 403 `insufficient_scope`. */
  scopes?: readonly string[] | undefined;
  /**
   * Where to look for the key, first match wins (default `['authorization', 'x-api-key']`):
   * header names, `'authorization:<Scheme>'`, `'cookie:<name>'`, `'query:<name>'`
   * or functions `(native) => string | null | undefined`.
   */
  from?: readonly CredentialSource<N>[] | undefined;
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
  /**
   * `RateLimit-Policy` / `RateLimit` headers (IETF rate-limit headers draft)
   * for keys with a `rateLimit` and on throttle 429s (default `true`).
   */
  standardHeaders?: boolean | undefined;
}

/**
 * Outcome of the API-key guard: `apiKey` (or `undefined` for an anonymous
 * request under `optional: true`) → continue, after setting `headers` when
 * present (`RateLimit` of a rate-limited key); `response` → send it instead.
 */
export type ApiKeyAuthOutcome =
  | { response: undefined; apiKey: ApiKey | undefined; headers?: Record<string, string> }
  | { response: HttpResponse };

/** Default brute-force throttle: 20 failed verifications per client IP per minute. */
export const DEFAULT_AUTH_THROTTLE: ThrottleOptions = Object.freeze({ limit: 20, window: '1m' });

/** Out of uses never comes back; tell well-behaved clients to stop for a day. */
const USAGE_EXCEEDED_RETRY_MS = 86_400_000;

const ANONYMOUS: ApiKeyAuthOutcome = Object.freeze({ response: undefined, apiKey: undefined });

/** Rate-limit policy names in `RateLimit-Policy` / `RateLimit`. */
const KEY_POLICY = 'apikey';
const THROTTLE_POLICY = 'apikey-ip';

type Verify = (key: string, options: { scopes?: readonly string[] }) => MaybePromise<ApiKeyVerifyResult>;

/**
 * Builds the framework-neutral API-key guard. The success path is one
 * header lookup, one key verification (one store operation) and no throttle
 * store call, whatever the concurrency: failures are counted, a client that
 * failed this window reserves a slot before it is verified, and a clean
 * client's requests beyond its in-flight cap wait in the process, so a burst
 * cannot run more failed verifications than the limit plus a small constant
 * (see {@link FailureGate}). It returns the
 * outcome itself whenever it could be decided without waiting (a
 * `MemoryStore` lookup, a missing key, a blocked client), else a promise of it
 * (a {@link MaybePromise}: tell them apart with {@link isThenable}), so an
 * adapter continues in the same tick, with no promise allocated, on the
 * common path. A synchronous throw is a programming error (e.g. an app
 * callback threw), like a rejection.
 *
 * Statuses: no key → 401 `Bearer realm="api"`; malformed/unknown/revoked/
 * expired → 401 `error="invalid_token"`; missing scope → 403
 * `error="insufficient_scope"`; per-key rate limit, out of uses or too many
 * failures from this IP → 429 + `Retry-After`; store down → 503 + `Retry-After`.
 *
 * Observability: a store outage emits `store.unavailable`, a blocked client
 * `throttle.blocked` (through the key manager's `onEvent` and the
 * `tokenkit:event` channel); verification runs inside the `tokenkit:verify`
 * tracing channel while it has subscribers.
 *
 * @param options - see {@link ApiKeyAuthOptions}
 * @returns a function from a neutral request to an outcome (or a promise of it)
 * @throws ConfigError on unusable options
 * @example
 * ```ts
 * const guard = createApiKeyAuthFlow({ apiKeys, scopes: ['read'] })
 * const answer = guard(request)
 * const outcome = isThenable(answer) ? await answer : answer
 * if (outcome.response) send(outcome.response)
 * else request.native.apiKey = outcome.apiKey
 * ```
 */
export function createApiKeyAuthFlow<N = unknown>(
  options: ApiKeyAuthOptions<N>,
): (request: HttpRequest<N>) => MaybePromise<ApiKeyAuthOutcome> {
  if (!options || typeof options.apiKeys?.verify !== 'function') {
    throw new ConfigError('apiKeyAuth: options.apiKeys is required, e.g. apiKeyAuth({ apiKeys: new ApiKeys({ store }) })');
  }
  const { apiKeys } = options;
  // Same tick when the store answers at once. A test double with only `verify`
  // (e.g. `{ verify: vi.fn() }`) still works, one promise hop slower.
  const plainVerify: Verify =
    typeof apiKeys[verifyInTick] === 'function' ? (key, o) => apiKeys[verifyInTick](key, o) : (key, o) => apiKeys.verify(key, o);
  const sources: readonly CredentialSource<N>[] = options.from ?? ['authorization', 'x-api-key'];
  const extract = compileSources(sources);
  const missingDetail = `Send an API key: ${describeSources(sources)}.`;
  const optional = options.optional === true;
  const standardHeaders = options.standardHeaders !== false;
  const realm = quoted(options.realm ?? 'api');
  const scopes = options.scopes && options.scopes.length > 0 ? [...options.scopes] : undefined;
  const verifyOptions = scopes ? { scopes } : {};
  const throttle =
    options.throttle === false
      ? undefined
      : new FailureGate(options.store ?? apiKeys.store, 'throttle:apikey-ip', options.throttle ?? DEFAULT_AUTH_THROTTLE);
  const events: EventSink = eventSinkOf(apiKeys);
  const scheme = challengeScheme(sources);
  const challenge = `${scheme} realm=${realm}`;
  const invalidChallenge = `${scheme} realm=${realm}, error="invalid_token"`;
  const scopeChallenge = `${scheme} realm=${realm}, error="insufficient_scope"${scopes ? `, scope=${quoted(scopes.join(' '))}` : ''}`;
  const onUnavailable = (err: unknown): ApiKeyAuthOutcome => unavailable(err, 'apikey.verify');

  return (request) => {
    const key = extract(request);
    if (key === undefined) {
      if (optional) return ANONYMOUS;
      return reply(401, 'MISSING_CREDENTIAL', missingDetail, { 'www-authenticate': challenge });
    }
    // The IP is read only when the gate knows something about some client: on a quiet valid-key path it costs nothing.
    if (throttle === undefined || throttle.quiet) return run(key, request, FREE);
    // Read once: Express computes `req.ip` (trust proxy) on every access.
    const ip = request.ip;
    const gate = throttle.admit(ip);
    if (gate === 'free') return run(key, request, FREE, ip);
    if (gate !== 'reserve') return tooManyAttempts(gate, ip);
    // Counted before verifying, so a burst cannot run more failed verifications than the limit.
    return throttle.acquire(ip).then(
      (slot) => {
        if (typeof slot === 'number') return tooManyAttempts(slot, ip);
        return run(key, request, slot === 'reserved' ? RESERVED : BEGUN, ip);
      },
      (err: unknown) => unavailable(err, 'throttle.hit'),
    );
  };

  function verify(key: string): MaybePromise<ApiKeyVerifyResult> {
    return tracingObserved() ? traced(key) : plainVerify(key, verifyOptions);
  }

  /** The verification inside `tokenkit:verify`: start/end, and asyncStart/asyncEnd when the store answers later. */
  function traced(key: string): MaybePromise<ApiKeyVerifyResult> {
    const context: VerifyTraceContext = { scopes: scopes ?? [], async: false };
    verifyTracing.start.publish(context);
    let answer: MaybePromise<ApiKeyVerifyResult>;
    try {
      answer = plainVerify(key, verifyOptions);
    } catch (err) {
      context.error = err;
      verifyTracing.error.publish(context);
      verifyTracing.end.publish(context);
      throw err;
    }
    if (!isThenable(answer)) {
      context.result = traceResult(answer);
      verifyTracing.end.publish(context);
      return answer;
    }
    context.async = true;
    verifyTracing.end.publish(context);
    return answer.then(
      (result) => {
        context.result = traceResult(result);
        verifyTracing.asyncStart.publish(context);
        verifyTracing.asyncEnd.publish(context);
        return result;
      },
      (err: unknown) => {
        context.error = err;
        verifyTracing.error.publish(context);
        verifyTracing.asyncStart.publish(context);
        verifyTracing.asyncEnd.publish(context);
        throw err;
      },
    );
  }

  /** @param knownIp - the client IP when the caller already read it (read here only when needed otherwise) */
  function run(key: string, request: HttpRequest<N>, mode: Mode, knownIp?: string | undefined): MaybePromise<ApiKeyAuthOutcome> {
    let answer: MaybePromise<ApiKeyVerifyResult>;
    try {
      answer = verify(key);
    } catch (err) {
      if (mode === BEGUN) throttle?.end(knownIp);
      return onUnavailable(err);
    }
    if (mode === RESERVED || throttle === undefined) {
      if (!isThenable(answer)) return decide(answer, request, mode);
      return answer.then((result) => decide(result, request, mode), onUnavailable);
    }
    const gate = throttle;
    if (!isThenable(answer)) {
      if (mode === BEGUN) gate.end(knownIp, outcomeOf(answer));
      return decide(answer, request, FREE);
    }
    // A free verification that waits on the store: concurrent requests of this client must see it.
    const ip = knownIp ?? request.ip;
    if (mode === FREE) gate.begin(ip);
    return answer.then(
      (result) => {
        gate.end(ip, outcomeOf(result));
        return decide(result, request, FREE);
      },
      (err: unknown) => {
        gate.end(ip);
        return onUnavailable(err);
      },
    );
  }

  function decide(result: ApiKeyVerifyResult, request: HttpRequest<N>, mode: Mode): MaybePromise<ApiKeyAuthOutcome> {
    // A match of the secret (valid, or refused only by the key's own rules) is not a guess: a reserved slot goes back.
    if (mode === RESERVED && outcomeOf(result) === 'proven') throttle?.refund(request.ip);
    if (result.valid) {
      const rule = result.apiKey.rateLimit;
      if (!rule || !standardHeaders) return { response: undefined, apiKey: result.apiKey };
      const window = result.window;
      const headers = rateLimitHeaders(KEY_POLICY, rule.limit, rule.windowMs, window?.remaining, window?.resetMs ?? 0);
      return { response: undefined, apiKey: result.apiKey, headers };
    }
    switch (result.code) {
      case 'INSUFFICIENT_SCOPE':
        return reply(403, result.code, 'The API key lacks a required scope.', { 'www-authenticate': scopeChallenge });
      case 'RATE_LIMITED': {
        const headers: Record<string, string> = { 'retry-after': retryAfter(result.retryAfterMs) };
        if (standardHeaders && result.rateLimit) {
          Object.assign(headers, rateLimitHeaders(KEY_POLICY, result.rateLimit.limit, result.rateLimit.windowMs, 0, result.retryAfterMs ?? 0));
        }
        return reply(429, result.code, 'The API key exceeded its rate limit.', headers);
      }
      case 'USAGE_EXCEEDED':
        return reply(429, result.code, 'The API key has no uses left.', { 'retry-after': retryAfter(USAGE_EXCEEDED_RETRY_MS) });
      default:
        return mode === RESERVED ? rejected(result.code) : invalid(result.code, request);
    }
  }

  /** A failure of a free verification: count it now (a reserved one was counted before). */
  async function invalid(code: ApiKeyFailureCode, request: HttpRequest<N>): Promise<ApiKeyAuthOutcome> {
    if (throttle) {
      try {
        const retryAfterMs = await throttle.failed(request.ip);
        if (retryAfterMs > 0) return tooManyAttempts(retryAfterMs, request.ip);
      } catch (err) {
        return unavailable(err, 'throttle.hit');
      }
    }
    return rejected(code);
  }

  function rejected(code: ApiKeyFailureCode): ApiKeyAuthOutcome {
    return reply(401, code, 'The API key is invalid, expired or revoked.', { 'www-authenticate': invalidChallenge });
  }

  /** Store down → 503 (fail closed) and a `store.unavailable` event; anything else is a programming error and propagates. */
  function unavailable(err: unknown, operation: string): ApiKeyAuthOutcome {
    if (!isStoreUnavailableError(err)) throw err;
    events.emit({ type: 'store.unavailable', operation, code: storeErrorCode(err), at: Date.now() });
    return { response: storeUnavailable(err.retryAfterMs) };
  }

  function tooManyAttempts(retryAfterMs: number, client: string | undefined): ApiKeyAuthOutcome {
    const response = blockedResponse({
      events,
      policy: THROTTLE_POLICY,
      client,
      retryAfterMs,
      quota: standardHeaders ? throttle?.counter : undefined,
      code: 'TOO_MANY_ATTEMPTS',
      detail: 'Too many failed API-key attempts from this address.',
    });
    return { response };
  }
}

/** How a verification was admitted by the failure gate. */
type Mode = 0 | 1 | 2;
/** Runs without a reservation (or without a throttle): a failure is counted afterwards. */
const FREE: Mode = 0;
/** Holds a reserved slot: a success gives it back, a failure keeps it. */
const RESERVED: Mode = 1;
/** Like FREE, with its place among the client's verifications in flight already taken (end it when settled). */
const BEGUN: Mode = 2;

/** How a verification ended for the failure gate: only the secret's own rules said no → it matched (not a guess). */
function outcomeOf(result: ApiKeyVerifyResult): GateOutcome {
  if (result.valid) return 'proven';
  const code = result.code;
  return code === 'NOT_FOUND' || code === 'MALFORMED' || code === 'REVOKED' || code === 'EXPIRED' ? 'failed' : 'proven';
}

/** Whether anything listens on `tokenkit:verify` (each sub-channel checked: `TracingChannel.hasSubscribers` is newer than Node 20.12). */
function tracingObserved(): boolean {
  return (
    verifyTracing.start.hasSubscribers ||
    verifyTracing.end.hasSubscribers ||
    verifyTracing.asyncEnd.hasSubscribers ||
    verifyTracing.error.hasSubscribers
  );
}

/** What a trace may carry of a result: public ids and the code, never the key. */
function traceResult(result: ApiKeyVerifyResult): VerifyTraceContext['result'] {
  return result.valid ? { valid: true, id: result.apiKey.id, ownerId: result.apiKey.ownerId } : { valid: false, code: result.code };
}

function reply(status: number, code: string, detail: string, headers: Record<string, string>): ApiKeyAuthOutcome {
  return { response: problem({ status, code, detail, headers }) };
}

/** RFC 9110 quoted-string (backslash-escapes `"` and `\`). */
function quoted(value: string): string {
  return `"${String(value).replace(/["\\]/g, '\\$&')}"`;
}
