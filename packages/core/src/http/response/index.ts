import type { HttpResponse, Rejection } from '../types.js';

/** RFC 9457 media type of every error body. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * Headers of every response that carries or answers a credential: never
 * cached, and the URL (which may hold a token) never leaks as a `Referer`.
 */
export const TOKEN_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
});

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** An RFC 9457 problem details object as tokenkit sends it. */
export interface ProblemDetails {
  /** `urn:tokenkit:problem:<code in kebab case>`: stable, and never dereferenced. */
  type: string;
  title: string;
  status: number;
  /** Machine-readable reason, e.g. `INVALID_TOKEN`, `STORE_UNAVAILABLE`. */
  code: string;
  detail?: string;
}

/** Options of {@link problem}. */
export interface ProblemOptions {
  status: number;
  code: string;
  detail?: string | undefined;
  /** Extra headers (lower-case names), e.g. `www-authenticate`, `retry-after`. */
  headers?: Record<string, string> | undefined;
  cookies?: string[] | undefined;
}

/**
 * Builds an `application/problem+json` response (RFC 9457) with `type`,
 * `title`, `status`, `code` and an optional `detail`. Error bodies never
 * carry a credential, so they are safe to log.
 *
 * @param options - status, code, detail and extra headers
 * @returns the response
 * @example
 * ```ts
 * problem({ status: 401, code: 'MISSING_CREDENTIAL', headers: { 'www-authenticate': 'Bearer realm="api"' } })
 * ```
 */
export function problem(options: ProblemOptions): HttpResponse {
  const body: ProblemDetails = {
    type: `urn:tokenkit:problem:${options.code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[options.status] ?? 'Error',
    status: options.status,
    code: options.code,
  };
  if (options.detail !== undefined) body.detail = options.detail;
  // Errors depend on the presented credential, so no shared cache may keep them.
  const response = respond(options.status, PROBLEM_CONTENT_TYPE, JSON.stringify(body), {
    'cache-control': 'no-store',
    ...options.headers,
  }, options.cookies);
  response.problem = body;
  return response;
}

/**
 * The {@link Rejection} an adapter hands to `onReject`, for an error answer.
 *
 * @param response - what a flow decided
 * @returns the rejection, or undefined for answers that are not errors (2xx, 303)
 * @example
 * ```ts
 * const rejection = rejectionOf(response)
 * if (rejection && onReject) return onReject(rejection, req, res, next)
 * ```
 */
export function rejectionOf(response: HttpResponse): Rejection | undefined {
  const details = response.problem;
  if (details === undefined) return undefined;
  const headers: Record<string, string> = {};
  for (const name in response.headers) {
    if (name !== 'content-type' && name !== 'content-length') headers[name] = response.headers[name]!;
  }
  return { status: response.status, code: details.code, headers, problem: { ...details } };
}

/**
 * Builds a JSON response.
 *
 * @param status - HTTP status
 * @param data - any JSON-serialisable value
 * @param headers - extra headers (lower-case names)
 * @param cookies - serialized `Set-Cookie` values
 * @returns the response
 * @example
 * ```ts
 * json(200, { valid: true, expiresAt }, TOKEN_HEADERS)
 * ```
 */
export function json(status: number, data: unknown, headers: Record<string, string> = {}, cookies: string[] = []): HttpResponse {
  return respond(status, 'application/json; charset=utf-8', JSON.stringify(data), headers, cookies);
}

/**
 * Builds a `303 See Other` to `location` (GET follows; the POST/GET that led
 * here is not repeated). The body is empty so every adapter sends the same bytes.
 *
 * @param location - absolute URL or path, never containing a credential
 * @param headers - extra headers (lower-case names)
 * @param cookies - serialized `Set-Cookie` values
 * @returns the response
 * @example
 * ```ts
 * seeOther('/reset/new-password', TOKEN_HEADERS, [cookie])
 * ```
 */
export function seeOther(location: string, headers: Record<string, string> = {}, cookies: string[] = []): HttpResponse {
  return respond(303, 'text/plain; charset=utf-8', '', { ...headers, location }, cookies);
}

/**
 * Milliseconds → an RFC 9110 `Retry-After` value: whole seconds, rounded up,
 * at least 1 (a 0 would invite an immediate retry storm).
 *
 * @param ms - wait in milliseconds
 * @returns the header value
 * @example
 * ```ts
 * retryAfter(1200) // '2'
 * ```
 */
export function retryAfter(ms: number | undefined): string {
  const seconds = Math.ceil((ms ?? 1000) / 1000);
  return String(Number.isFinite(seconds) && seconds >= 1 ? seconds : 1);
}

/**
 * Builds a 503 for a store that could not answer: fail closed, and tell the
 * client when to retry.
 *
 * @param retryAfterMs - the store's hint (default 1 s)
 * @param headers - extra headers, e.g. the token-bearing ones
 * @returns the response
 * @example
 * ```ts
 * catch (err) { if (isStoreUnavailableError(err)) return storeUnavailable(err.retryAfterMs) }
 * ```
 */
export function storeUnavailable(retryAfterMs: number | undefined, headers: Record<string, string> = {}): HttpResponse {
  return problem({
    status: 503,
    code: 'STORE_UNAVAILABLE',
    detail: 'The credential store is unavailable; try again later.',
    headers: { ...headers, 'retry-after': retryAfter(retryAfterMs) },
  });
}

function respond(
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string>,
  cookies: string[] = [],
): HttpResponse {
  return {
    status,
    // Set here, not by the framework, so Express and Koa send identical headers.
    headers: { ...headers, 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) },
    cookies,
    body,
  };
}
