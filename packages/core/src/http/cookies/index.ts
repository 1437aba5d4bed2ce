import type { IncomingHttpHeaders } from 'node:http';
import { parse, serialize } from 'cookie';
import { type Duration, parseDuration } from '../../duration.js';
import { ConfigError } from '../../errors.js';

/** Options of the short-lived cookie a reset or invitation link's token moves into. */
export interface TokenCookieOptions {
  /** Cookie name (defaults: `tokenkit_reset`, `tokenkit_invite`). */
  name?: string | undefined;
  /**
   * Sets `Secure` (default `true`). Turn it off only for local development over
   * plain `http://` — browsers drop Secure cookies there.
   */
  secure?: boolean | undefined;
  /** `Path` attribute (default: where the routes are mounted, so only they receive it). */
  path?: string | undefined;
  /** `Domain` attribute (default: none, i.e. this host only). */
  domain?: string | undefined;
  /** Upper bound of the cookie's lifetime; it never outlives the token either. */
  maxAge?: Duration | undefined;
}

const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The HttpOnly, SameSite=Strict cookie that carries a token from a link's GET
 * to the form's POST, so the token leaves the URL (history, logs, `Referer`).
 * Serialized with the `cookie` package.
 *
 * @example
 * ```ts
 * const jar = new TokenCookie('tokenkit_reset', '15m', { secure: false })
 * jar.set(token, '/auth/reset', Date.now(), expiresAt) // 'tokenkit_reset=rst_…; Max-Age=900; Path=/auth/reset; HttpOnly; SameSite=Strict'
 * ```
 */
export class TokenCookie {
  /** Cookie name. */
  readonly name: string;
  private readonly secure: boolean;
  private readonly path: string | undefined;
  private readonly domain: string | undefined;
  private readonly maxAgeMs: number;

  /**
   * @param defaultName - name used when `options.name` is absent
   * @param defaultMaxAge - lifetime bound used when `options.maxAge` is absent
   * @param options - user overrides
   * @throws ConfigError on an invalid name, path or lifetime
   */
  constructor(defaultName: string, defaultMaxAge: Duration, options: TokenCookieOptions = {}) {
    this.name = options.name ?? defaultName;
    if (typeof this.name !== 'string' || !NAME.test(this.name)) {
      throw new ConfigError(`cookie.name ${JSON.stringify(this.name)} is not a valid cookie name; use letters, digits and _`);
    }
    if (options.path !== undefined && (typeof options.path !== 'string' || !options.path.startsWith('/'))) {
      throw new ConfigError("cookie.path must be an absolute path such as '/auth/reset'");
    }
    this.secure = options.secure ?? true;
    this.path = options.path;
    this.domain = options.domain;
    this.maxAgeMs = parseDuration(options.maxAge ?? defaultMaxAge, 'cookie.maxAge');
    if (this.maxAgeMs < 1000) throw new ConfigError('cookie.maxAge must be at least 1s');
  }

  /**
   * @param headers - request headers
   * @returns the cookie's value, or undefined when absent
   */
  read(headers: IncomingHttpHeaders): string | undefined {
    const header = headers.cookie;
    if (typeof header !== 'string' || header.length === 0) return undefined;
    const value = parse(header)[this.name];
    return value === undefined || value.length === 0 ? undefined : value;
  }

  /**
   * @param value - the token
   * @param path - the mount path, used when no `path` option was given
   * @param now - current epoch ms
   * @param expiresAt - the token's expiry (epoch ms): the cookie never outlives it
   * @returns a serialized `Set-Cookie` value
   */
  set(value: string, path: string, now: number, expiresAt: number): string {
    const seconds = Math.floor(Math.min(this.maxAgeMs, expiresAt - now) / 1000);
    return serialize(this.name, value, this.attributes(path, Math.max(1, seconds)));
  }

  /**
   * @param path - the mount path, used when no `path` option was given
   * @returns a serialized `Set-Cookie` value that deletes the cookie
   */
  clear(path: string): string {
    return serialize(this.name, '', { ...this.attributes(path, 0), expires: new Date(0) });
  }

  private attributes(path: string, maxAge: number) {
    return {
      maxAge,
      path: this.path ?? (path === '' ? '/' : path),
      httpOnly: true,
      sameSite: 'strict' as const,
      secure: this.secure,
      ...(this.domain === undefined ? {} : { domain: this.domain }),
    };
  }
}
