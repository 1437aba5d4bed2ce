import { safeEqual, tokenUrlsafe } from '@tokenkit/core';
import { parse, serialize } from 'cookie';
import { keyedHash } from './keyed.js';
import type { Flash } from './sessions.js';

const NONCE = /^[A-Za-z0-9_-]{43}$/;
const FLASH_KINDS: ReadonlySet<string> = new Set(['ok', 'error', 'info']);

/**
 * State of visitors who are not signed in, kept in their own cookies so the
 * server stores nothing per visitor: a server-side session for every
 * cookie-less GET let anyone fill the session table and evict signed-in users.
 *
 * - CSRF: a random nonce cookie; the token in the forms is HMAC(secret, nonce).
 *   A forger can neither read the cookie (HttpOnly, SameSite=Strict) nor
 *   compute the token without the secret.
 * - Flash messages across a redirect: a short-lived cookie signed with the
 *   secret, so nobody can plant a message of their own.
 */
export class AnonState {
  readonly nonceCookieName = 'tk_anon';
  readonly flashCookieName = 'tk_flash';

  constructor(
    private readonly secret: string,
    private readonly secure: boolean,
  ) {}

  /** The visitor's nonce, or null when the cookie is absent or malformed. */
  nonce(cookieHeader: string | undefined): string | null {
    const value = cookieHeader ? parse(cookieHeader)[this.nonceCookieName] : undefined;
    return value !== undefined && NONCE.test(value) ? value : null;
  }

  newNonce(): string {
    return tokenUrlsafe(32);
  }

  csrfFor(nonce: string): string {
    return keyedHash(this.secret, 'csrf', nonce);
  }

  nonceCookie(nonce: string): string {
    // A session cookie (no Max-Age): it only has to outlive the page it was issued with.
    return serialize(this.nonceCookieName, nonce, { httpOnly: true, sameSite: 'strict', secure: this.secure, path: '/' });
  }

  /** The flash message a redirect left, if its signature holds. */
  readFlash(cookieHeader: string | undefined): Flash | null {
    const value = cookieHeader ? parse(cookieHeader)[this.flashCookieName] : undefined;
    if (!value) return null;
    const dot = value.lastIndexOf('.');
    if (dot <= 0) return null;
    const payload = value.slice(0, dot);
    if (!safeEqual(value.slice(dot + 1), keyedHash(this.secret, 'flash', payload))) return null;
    try {
      const flash = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<Flash>;
      if (typeof flash.kind === 'string' && FLASH_KINDS.has(flash.kind) && typeof flash.text === 'string') {
        return { kind: flash.kind as Flash['kind'], text: flash.text };
      }
    } catch {
      // Unreadable: treat as absent.
    }
    return null;
  }

  flashCookie(flash: Flash): string {
    const payload = Buffer.from(JSON.stringify({ kind: flash.kind, text: flash.text.slice(0, 500) })).toString('base64url');
    const value = `${payload}.${keyedHash(this.secret, 'flash', payload)}`;
    // One minute is plenty for a redirect; a message must not resurface later.
    return serialize(this.flashCookieName, value, { httpOnly: true, sameSite: 'strict', secure: this.secure, path: '/', maxAge: 60 });
  }

  clearFlashCookie(): string {
    return serialize(this.flashCookieName, '', { httpOnly: true, sameSite: 'strict', secure: this.secure, path: '/', maxAge: 0 });
  }
}
