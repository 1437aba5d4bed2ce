import type { Duration } from '../../duration.js';
import type { ResetTokens } from '../../reset-tokens/index.js';
import type { Store } from '../../store/types.js';
import type { TokenCookieOptions } from '../cookies/index.js';
import type { ThrottleOptions } from '../throttle/index.js';
import type { ErrorReporter } from '../types.js';

/** The least a user record needs for a password reset. */
export interface ResetUser {
  id: string;
}

/** What `sendResetEmail` receives. */
export interface ResetEmail<U extends ResetUser = ResetUser> {
  /** The user `findUserByEmail` returned. */
  user: U;
  /** The address the reset was requested for (trimmed, as submitted). */
  email: string;
  /** The link to send: `${baseUrl}/${token}`. */
  url: string;
  /** When the token expires (epoch ms). */
  expiresAt: number;
}

/**
 * Verdict of `validatePassword`: `true` accepts; `false` or a message
 * (shown as the problem's `detail`) rejects with 400 `WEAK_PASSWORD`.
 */
export type PasswordVerdict = boolean | string;

/** Options of `resetRoutes` (the same in `@tokenkit/express` and `@tokenkit/koa`). */
export interface ResetRoutesOptions<U extends ResetUser = ResetUser> {
  /** The reset-token manager. */
  resets: ResetTokens;
  /** Looks a user up by the submitted address (runs off the response path). */
  findUserByEmail: (email: string) => U | null | undefined | Promise<U | null | undefined>;
  /** Sends the link (runs off the response path; failures go to `onError`). */
  sendResetEmail: (message: ResetEmail<U>) => void | Promise<void>;
  /** Stores the new password (hash it!) after the token was consumed. */
  setPassword: (userId: string, password: string) => void | Promise<void>;
  /** Checked BEFORE the token is consumed, so a weak password does not burn the link. */
  validatePassword?: ((password: string, context: { userId: string }) => PasswordVerdict | Promise<PasswordVerdict>) | undefined;
  /**
   * Public URL where these routes are mounted, e.g. `https://app.example.com/auth/reset`.
   * Links are built from it — never from the request's `Host`, which an attacker controls.
   */
  baseUrl: string;
  /**
   * Origins besides `baseUrl`'s that may POST `/confirm` (e.g. `['https://www.example.com']`
   * when the form is served there). Every other `Origin`/`Referer` is refused with 403.
   */
  trustedOrigins?: readonly string[] | undefined;
  /** Page the link's GET redirects browsers to (the token moves into a cookie); without it GET answers JSON. */
  formPath?: string | undefined;
  /** Minimum duration of a `POST /request` answer, measured from its start (default `'250ms'`). */
  minDuration?: Duration | undefined;
  /** At most one e-mail per address per this period, known or not (default `'1m'`; `false` disables). */
  emailCooldown?: Duration | false | undefined;
  /** Reset requests per client IP (default `{ limit: 20, window: '15m' }`; `false` disables). */
  ipLimit?: ThrottleOptions | false | undefined;
  /** `RateLimit-Policy` / `RateLimit` headers on the per-IP 429 (default `true`). */
  standardHeaders?: boolean | undefined;
  /** Store for the throttle counters (default: the reset manager's store). */
  store?: Store | undefined;
  /** The link cookie (default name `tokenkit_reset`, at most 15 minutes, Path = `baseUrl`'s path). */
  cookie?: TokenCookieOptions | undefined;
  /** Request-body limit in bytes (default 16 KiB). */
  bodyLimit?: number | undefined;
  /** Receives failures off the response path (default: `console.error`). */
  onError?: ErrorReporter | undefined;
}
