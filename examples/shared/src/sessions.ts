import { safeEqual, tokenUrlsafe } from '@tokenkit/core';
import { parse, serialize } from 'cookie';

export interface Flash {
  kind: 'ok' | 'error' | 'info';
  text: string;
}

/** A secret shown exactly once on the next page (a new API key, an invitation link). */
export interface Reveal {
  title: string;
  value: string;
  note: string;
}

export interface Session {
  id: string;
  /** Per-session CSRF token, embedded in every form and checked on every POST. */
  csrf: string;
  userId: string | null;
  flash: Flash | null;
  reveal: Reveal | null;
  expiresAt: number;
}

export interface SessionOptions {
  cookieName?: string;
  /** Set the Secure attribute (the app is served over https). */
  secure: boolean;
  /** Idle lifetime, renewed on every request (default 2 h). */
  idleMs?: number;
  /** Bound on live sessions: anonymous visitors get one too (for CSRF tokens). */
  maxSessions?: number;
}

/**
 * Server-side sessions in a Map, addressed by a random 256-bit id in an
 * HttpOnly, SameSite=Strict cookie. SameSite=Strict keeps the cookie off
 * cross-site requests; the CSRF token covers older browsers and same-site
 * attackers. Sign-in rotates the id (no session fixation).
 */
export class SessionStore {
  readonly cookieName: string;
  private readonly sessions = new Map<string, Session>();
  private readonly secure: boolean;
  private readonly idleMs: number;
  private readonly maxSessions: number;

  constructor(options: SessionOptions) {
    this.cookieName = options.cookieName ?? 'tk_sid';
    this.secure = options.secure;
    this.idleMs = options.idleMs ?? 2 * 60 * 60 * 1000;
    this.maxSessions = options.maxSessions ?? 10_000;
  }

  /** The live session named by the request's cookie header, or null. */
  load(cookieHeader: string | undefined): Session | null {
    const id = cookieHeader ? parse(cookieHeader)[this.cookieName] : undefined;
    if (!id) return null;
    const session = this.sessions.get(id);
    if (!session) return null;
    if (session.expiresAt <= Date.now()) {
      this.sessions.delete(id);
      return null;
    }
    session.expiresAt = Date.now() + this.idleMs;
    return session;
  }

  create(userId: string | null = null): Session {
    if (this.sessions.size >= this.maxSessions) this.evict();
    const session: Session = {
      id: tokenUrlsafe(32),
      csrf: tokenUrlsafe(32),
      userId,
      flash: null,
      reveal: null,
      expiresAt: Date.now() + this.idleMs,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** Replaces `old` by a fresh session (new id and CSRF token) for `userId`; keeps pending messages. */
  rotate(old: Session, userId: string | null): Session {
    this.sessions.delete(old.id);
    const fresh = this.create(userId);
    fresh.flash = old.flash;
    fresh.reveal = old.reveal;
    return fresh;
  }

  checkCsrf(session: Session, token: unknown): boolean {
    return typeof token === 'string' && token.length > 0 && safeEqual(token, session.csrf);
  }

  /** Signs every session of a user out (after a password reset). */
  destroyUser(userId: string): void {
    for (const [id, session] of this.sessions) if (session.userId === userId) this.sessions.delete(id);
  }

  setCookie(session: Session): string {
    return serialize(this.cookieName, session.id, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secure,
      path: '/',
      maxAge: Math.floor(this.idleMs / 1000),
    });
  }

  clearCookie(): string {
    return serialize(this.cookieName, '', { httpOnly: true, sameSite: 'strict', secure: this.secure, path: '/', maxAge: 0 });
  }

  private evict(): void {
    const now = Date.now();
    for (const [id, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(id);
    // Still full: drop the oldest (Map iteration order is insertion order).
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
  }
}
