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

/** A signed-in user's session. Visitors who are not signed in have none (see anon.ts). */
export interface Session {
  id: string;
  /** Per-session CSRF token, embedded in every form and checked on every POST. */
  csrf: string;
  userId: string;
  reveal: Reveal | null;
  expiresAt: number;
}

export interface SessionOptions {
  cookieName?: string;
  /** Set the Secure attribute (the app is served over https). */
  secure: boolean;
  /** Idle lifetime, renewed on every request (default 2 h). */
  idleMs?: number;
  /** Bound on live sessions (a backstop: only sign-ins create sessions). */
  maxSessions?: number;
  /** Sessions one user may hold; a further sign-in ends that user's oldest, never someone else's. */
  maxPerUser?: number;
}

/**
 * Server-side sessions in a Map, addressed by a random 256-bit id in an
 * HttpOnly, SameSite=Strict cookie. SameSite=Strict keeps the cookie off
 * cross-site requests; the CSRF token covers older browsers and same-site
 * attackers. Only a sign-in creates a session, with a fresh id (no session
 * fixation); each user holds at most `maxPerUser`, so nobody can push other
 * users' sessions out of the bounded table.
 */
export class SessionStore {
  readonly cookieName: string;
  private readonly sessions = new Map<string, Session>();
  private readonly secure: boolean;
  private readonly idleMs: number;
  private readonly maxSessions: number;
  private readonly maxPerUser: number;

  constructor(options: SessionOptions) {
    this.cookieName = options.cookieName ?? 'tk_sid';
    this.secure = options.secure;
    this.idleMs = options.idleMs ?? 2 * 60 * 60 * 1000;
    this.maxSessions = options.maxSessions ?? 10_000;
    this.maxPerUser = options.maxPerUser ?? 20;
  }

  /** Live (and not yet swept) sessions. */
  get size(): number {
    return this.sessions.size;
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

  /** A new session for a user who just signed in. */
  create(userId: string): Session {
    this.limitUser(userId);
    if (this.sessions.size >= this.maxSessions) this.evict();
    const session: Session = {
      id: tokenUrlsafe(32),
      csrf: tokenUrlsafe(32),
      userId,
      reveal: null,
      expiresAt: Date.now() + this.idleMs,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** Ends one session (sign-out). */
  destroy(session: Session): void {
    this.sessions.delete(session.id);
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

  /** Makes room for one more session of `userId` by ending that user's oldest ones. */
  private limitUser(userId: string): void {
    const own: string[] = [];
    for (const [id, session] of this.sessions) if (session.userId === userId) own.push(id);
    // Map order is insertion order: the first ids are the oldest.
    for (const id of own.slice(0, Math.max(0, own.length - this.maxPerUser + 1))) this.sessions.delete(id);
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
