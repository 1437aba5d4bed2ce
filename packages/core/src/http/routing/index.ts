import type { IncomingHttpHeaders } from 'node:http';
import Negotiator from 'negotiator';
import { ConfigError } from '../../errors.js';
import { TOKEN_HEADERS, problem } from '../response/index.js';
import type { HttpResponse } from '../types.js';

/**
 * Normalises a mount path: leading `/`, no trailing `/`, `''` for the root.
 *
 * @param base - e.g. `'/auth/reset/'`
 * @returns e.g. `'/auth/reset'`
 * @throws ConfigError when it is not an absolute path
 * @example
 * ```ts
 * normalizeBase('/invitations/') // '/invitations'
 * ```
 */
export function normalizeBase(base: string): string {
  if (typeof base !== 'string' || !base.startsWith('/') || base.includes('?') || base.includes('#')) {
    throw new ConfigError(`base must be an absolute path such as '/auth/reset'; got ${JSON.stringify(base)}`);
  }
  return base.replace(/\/+$/, '');
}

/**
 * {@link normalizeBase} for route middleware that must not sit at the root:
 * there, `GET /:token` would answer every one-segment path of the app.
 *
 * @param base - e.g. `'/invitations'`
 * @param name - the option's owner, for the message
 * @returns the normalised, non-root base
 * @throws ConfigError for `'/'` or an invalid path
 * @example
 * ```ts
 * routeBase('/auth/reset/', 'resetRoutes') // '/auth/reset'
 * ```
 */
export function routeBase(base: string, name: string): string {
  const normalized = normalizeBase(base);
  if (normalized === '') {
    throw new ConfigError(`${name}: base must be a path below '/', e.g. '/auth/reset': at the root its GET /:token would answer every one-segment path`);
  }
  return normalized;
}

/**
 * The part of `path` below `base`, for adapters (Koa) that match their own
 * paths. Compares raw (still percent-encoded) paths, so `%2e%2e` can never
 * climb out of the base.
 *
 * @param path - the request path (`null` for URLs without one, e.g. `//#?`, as Koa reports them)
 * @param base - a {@link normalizeBase normalised} base
 * @returns the remainder starting with `/` (or `''`), or `null` when outside `base`
 * @example
 * ```ts
 * stripBase('/auth/reset/confirm', '/auth/reset') // '/confirm'
 * stripBase('/auth/resetx', '/auth/reset')        // null
 * ```
 */
export function stripBase(path: string | null | undefined, base: string): string | null {
  if (typeof path !== 'string') return null;
  if (base === '') return path;
  if (!path.startsWith(base)) return null;
  const rest = path.slice(base.length);
  return rest === '' || rest.startsWith('/') ? rest : null;
}

/**
 * The single path segment under the mount (`/rst_abc` → `rst_abc`),
 * percent-decoded; `null` for the root, nested paths or bad escapes.
 *
 * @param path - the path relative to the mount (may be `null` for URLs without a path)
 * @returns the decoded segment, or null
 * @example
 * ```ts
 * singleSegment('/confirm') // 'confirm'
 * singleSegment('/a/b')     // null
 * ```
 */
export function singleSegment(path: string | null | undefined): string | null {
  if (typeof path !== 'string' || path.length < 2 || path.charCodeAt(0) !== 47 /* / */ || path.indexOf('/', 1) !== -1) return null;
  const raw = path.slice(1);
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** What the link routes can answer: JSON first, so `*∕*` and a missing `Accept` get JSON. */
const LINK_TYPES: readonly string[] = ['application/json', 'text/html'];

/**
 * Whether the client is a browser navigating (prefers HTML), as opposed to
 * an API client (`Accept: application/json`, `*∕*`, none). Decided by
 * `negotiator` — what Express's `req.accepts` and Koa's `ctx.accepts` use —
 * so `q=0`, `text/*` and ties are read as the frameworks read them.
 *
 * @param headers - request headers
 * @returns true when `text/html` is preferred to `application/json`
 * @example
 * ```ts
 * wantsHtml({ accept: 'text/html,application/xhtml+xml' }) // true
 * wantsHtml({ accept: 'text/html;q=0, *∕*' })            // false
 * ```
 */
export function wantsHtml(headers: IncomingHttpHeaders): boolean {
  const accept = headers.accept;
  if (typeof accept !== 'string') return false;
  return new Negotiator({ headers: { accept } }).mediaType(LINK_TYPES) === 'text/html';
}

/**
 * A 405 with the `Allow` header.
 *
 * @param allow - allowed methods
 * @param headers - extra headers
 * @returns the response
 * @example
 * ```ts
 * methodNotAllowed(['POST'])
 * ```
 */
export function methodNotAllowed(allow: readonly string[], headers: Record<string, string> = {}): HttpResponse {
  return problem({
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
    detail: `Use ${allow.join(' or ')}.`,
    headers: { ...headers, allow: allow.join(', ') },
  });
}

/**
 * Validates a redirect target option (`formPath`, `acceptPath`): a path or an
 * absolute http(s) URL.
 *
 * @param value - the option value
 * @param name - option name for the message
 * @returns the value
 * @throws ConfigError when it is neither
 * @example
 * ```ts
 * checkRedirectTarget('/reset/new-password', 'formPath')
 * ```
 */
export function checkRedirectTarget(value: string, name: string): string {
  if (typeof value === 'string' && /^\/(?!\/)/.test(value)) return value;
  if (typeof value === 'string' && /^https?:\/\//i.test(value)) {
    try {
      new URL(value);
      return value;
    } catch {
      // fall through to the error
    }
  }
  throw new ConfigError(`${name} must be a path such as '/reset/new-password' or an absolute http(s) URL`);
}

/**
 * Adds `error=<reason>` to a redirect target, keeping its own query.
 *
 * @param target - a checked redirect target
 * @param reason - short machine-readable reason, e.g. `invalid_link`
 * @returns the target with the reason appended
 * @example
 * ```ts
 * withError('/reset/new-password', 'invalid_link') // '/reset/new-password?error=invalid_link'
 * ```
 */
export function withError(target: string, reason: string): string {
  const hash = target.indexOf('#');
  const head = hash === -1 ? target : target.slice(0, hash);
  const tail = hash === -1 ? '' : target.slice(hash);
  return `${head}${head.includes('?') ? '&' : '?'}error=${encodeURIComponent(reason)}${tail}`;
}

/**
 * A 403 for a POST a browser marks as cross-site (`Sec-Fetch-Site`): a
 * hostile page must not drive a signed-in user through a token flow.
 *
 * @returns the response
 * @example
 * ```ts
 * if (request.headers['sec-fetch-site'] === 'cross-site') return crossSite()
 * ```
 */
export function crossSite(): HttpResponse {
  return problem({
    status: 403,
    code: 'CROSS_SITE_REQUEST',
    detail: 'This form must be submitted from this site.',
    headers: TOKEN_HEADERS,
  });
}
