import type { IncomingHttpHeaders } from 'node:http';
import { ConfigError } from '../../errors.js';
import { TOKEN_HEADERS, problem } from '../response/index.js';
import { crossSite } from '../routing/index.js';
import type { HttpResponse } from '../types.js';

/**
 * Where a state-changing request came from, by its standard headers:
 * `'same'` — `Origin` (or, without it, `Referer`) names an allowed origin;
 * `'unknown'` — neither header was sent (not a browser, or a very old one).
 * A request from anywhere else is answered 403 at once.
 */
export type RequestSource = 'same' | 'unknown';

/**
 * Cross-site request forgery defence for POST routes that a cookie (the
 * link cookie, the app's session) can authorise. Browsers attach cookies to
 * forged cross-site form posts, and `SameSite` stops that only across
 * sites, not between subdomains of one site (`same-site`), nor in browsers
 * without Fetch metadata. So, as OWASP recommends, the origin is verified
 * with the standard headers: `Origin`, else `Referer`, must name an allowed
 * origin; `Sec-Fetch-Site: cross-site` is refused as a second layer.
 *
 * When neither header is present the request is not a cross-site form post
 * of any current browser (they all send `Origin` on POST); the route then
 * accepts it only when the secret came in the body — a body is not ambient
 * authority, a cookie is (see {@link OriginCheck.requireBodySecret}).
 */
export class OriginCheck {
  private readonly origins: ReadonlySet<string> | undefined;

  /**
   * @param origins - allowed origins (`https://app.example.com`); `undefined`
   *   allows only the origin whose host equals the request's `Host` header
   * @param name - the option's owner, for messages
   * @throws ConfigError when an entry is not an absolute http(s) URL
   */
  constructor(origins: readonly string[] | undefined, name: string) {
    this.origins = origins === undefined ? undefined : new Set(origins.map((value) => originOf(value, name)));
  }

  /**
   * Checks the headers of a state-changing request.
   *
   * @param headers - the request headers
   * @returns 403 problem for a cross-site or unverifiable-origin request, else where it came from
   */
  inspect(headers: IncomingHttpHeaders): HttpResponse | RequestSource {
    if (headers['sec-fetch-site'] === 'cross-site') return crossSite();
    const origin = headers.origin;
    if (typeof origin === 'string' && origin !== '') return this.allows(origin, headers) ? 'same' : crossSite();
    const referer = headers.referer;
    if (typeof referer === 'string' && referer !== '') return this.allows(referer, headers) ? 'same' : crossSite();
    return 'unknown';
  }

  /**
   * The answer for a request without `Origin` and `Referer` whose secret came
   * from a cookie: a cookie is sent by the browser on its own, so without a
   * verifiable origin it authorises nothing.
   *
   * @returns 403 `ORIGIN_REQUIRED`
   */
  requireBodySecret(): HttpResponse {
    return problem({
      status: 403,
      code: 'ORIGIN_REQUIRED',
      detail: 'Send the Origin header, or the token in the request body.',
      headers: TOKEN_HEADERS,
    });
  }

  private allows(value: string, headers: IncomingHttpHeaders): boolean {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false; // includes `Origin: null` (sandboxed frames, privacy-sensitive redirects)
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
    if (this.origins !== undefined) return this.origins.has(url.origin);
    const host = headers.host;
    return typeof host === 'string' && host.toLowerCase() === url.host;
  }
}

/**
 * Parses an allowed-origin option (a bare origin or any URL on it).
 *
 * @param value - e.g. `https://app.example.com` or `https://app.example.com/auth/reset`
 * @param name - option owner for the message
 * @returns the normalised origin, e.g. `https://app.example.com`
 * @throws ConfigError when it is not an absolute http(s) URL
 */
export function originOf(value: unknown, name: string): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new ConfigError(`${name}: trusted origins must be absolute http(s) URLs such as 'https://app.example.com'; got ${JSON.stringify(value)}`);
  }
  return url.origin;
}
