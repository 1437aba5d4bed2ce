import type { ValidateOption } from '../../events.js';
import type { Invitation, Invitations } from '../../invitations/index.js';
import type { Store } from '../../store/types.js';
import type { TokenCookieOptions } from '../cookies/index.js';
import type { ThrottleOptions } from '../throttle/index.js';

/** The signed-in user `getUser` returns. */
export interface InvitationUser {
  id: string;
  /** Needed to redeem e-mail-bound invitations (compared trimmed, case-insensitively). */
  email?: string | null | undefined;
}

/** What `onAccepted` receives after a successful redemption. */
export interface AcceptedInvitation<U extends InvitationUser = InvitationUser> {
  user: U;
  role: string;
  invitation: Invitation;
}

/**
 * Options of `invitationRoutes` (the same in `@tokenkit/express` and `@tokenkit/koa`).
 *
 * @typeParam N - the framework's request object (`Request` / `Context`) passed to the callbacks
 * @typeParam U - the user type `getUser` returns
 */
export interface InvitationRoutesOptions<N = unknown, U extends InvitationUser = InvitationUser> {
  /** The invitation manager. */
  invites: Invitations;
  /** The signed-in user (from your session), or null → 401. */
  getUser: (request: N) => U | null | undefined | Promise<U | null | undefined>;
  /** Runs after a successful redemption, before the 200 — grant the role here. */
  onAccepted?: ((accepted: AcceptedInvitation<U>, request: N) => void | Promise<void>) | undefined;
  /**
   * Public URL of the routes or the app, e.g. `https://app.example.com/invitations`: its origin
   * is the one allowed to `POST /accept` (`Origin`, else `Referer`, must match). Without it and
   * without `trustedOrigins`, the origin's host must equal the request's `Host` header — set it
   * behind a proxy that rewrites `Host`.
   */
  baseUrl?: string | undefined;
  /** Further origins allowed to `POST /accept`, e.g. `['https://www.example.com']`. */
  trustedOrigins?: readonly string[] | undefined;
  /** Page the link's GET redirects browsers to (the code moves into a cookie); without it GET answers JSON. */
  acceptPath?: string | undefined;
  /**
   * Unknown or malformed codes (`GET /:code` and `POST /accept` alike) per client IP before
   * 429 + `Retry-After` (default `{ limit: 20, window: '15m' }`; `false` disables). Expired,
   * used-up or revoked codes are not counted: they come from real links.
   */
  ipLimit?: ThrottleOptions | false | undefined;
  /** `RateLimit-Policy` / `RateLimit` headers on the per-IP 429 (default `true`). */
  standardHeaders?: boolean | undefined;
  /** Store for the throttle counters (default: the invitation manager's store). */
  store?: Store | undefined;
  /** The link cookie (default name `tokenkit_invite`, at most 1 hour, Path = the mount path). */
  cookie?: TokenCookieOptions | undefined;
  /** Request-body limit in bytes (default 16 KiB). */
  bodyLimit?: number | undefined;
  /**
   * `false` silences the routes' `TokenkitWarning`s (`TOKENKIT_UNUSABLE_USER`);
   * `{ TOKENKIT_UNUSABLE_USER: false }` silences that one.
   */
  validate?: ValidateOption | undefined;
}
