import type { Invitation, Invitations } from '../../invitations/index.js';
import type { TokenCookieOptions } from '../cookies/index.js';

/** The signed-in user `getUser` returns. */
export interface InvitationUser {
  id: string;
  /** Needed to redeem e-mail-bound invitations (compared trimmed, case-insensitively). */
  email?: string | null;
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
  /** Page the link's GET redirects browsers to (the code moves into a cookie); without it GET answers JSON. */
  acceptPath?: string | undefined;
  /** The link cookie (default name `tokenkit_invite`, at most 1 hour, Path = the mount path). */
  cookie?: TokenCookieOptions | undefined;
  /** Request-body limit in bytes (default 16 KiB). */
  bodyLimit?: number | undefined;
}
