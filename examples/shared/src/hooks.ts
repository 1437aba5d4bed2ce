import type { Invitations, ResetTokens } from '@tokenkit/core';
import { type Example, INVITE_COOKIE, PATHS } from './example.js';
import { sendResetEmail } from './pages/emails.js';
import { passwordProblem, type User } from './users.js';

/**
 * The host-app callbacks tokenkit's routes need — identical for Express and
 * Koa, so both apps spread these into `resetRoutes(...)` / `invitationRoutes(...)`.
 */
export interface TokenkitHooks {
  reset: {
    resets: ResetTokens;
    baseUrl: string;
    formPath: string;
    findUserByEmail(email: string): User | null;
    sendResetEmail(message: { user: User; url: string; expiresAt: number }): void;
    setPassword(userId: string, password: string): Promise<void>;
    validatePassword(password: string): true | string;
    cookie: { secure: boolean; path: string };
  };
  invitation: {
    invites: Invitations;
    acceptPath: string;
    cookie: { name: string; secure: boolean };
    onAccepted(accepted: { user: { id: string }; role: string }): void;
  };
  /** The signed-in user for `getUser`, from the request's Cookie header. */
  userFromCookieHeader(header: string | undefined): User | null;
}

export function tokenkitHooks(app: Example): TokenkitHooks {
  // Secure cookies only over https: browsers drop them on plain http://localhost.
  const secure = app.baseUrl.startsWith('https:');
  return {
    reset: {
      resets: app.resets,
      baseUrl: `${app.baseUrl}${PATHS.resetBase}`,
      formPath: PATHS.resetForm,
      findUserByEmail: (email) => app.users.findByEmail(email),
      sendResetEmail: (message) => sendResetEmail(app, message),
      async setPassword(userId, password) {
        await app.users.setPassword(userId, password);
        // Whoever knew the old password may be signed in somewhere: end those sessions.
        app.sessions.destroyUser(userId);
        app.log(`password changed for ${userId}`);
      },
      validatePassword: (password) => passwordProblem(password) ?? true,
      // The token cookie goes to the "set new password" page, which posts the form to itself
      // (plain HTML, no script needed); nothing else on the site ever receives it.
      cookie: { secure, path: PATHS.resetForm },
    },
    invitation: {
      invites: app.invites,
      acceptPath: PATHS.acceptPage,
      cookie: { name: INVITE_COOKIE, secure },
      onAccepted: ({ user, role }) => grantInvitedRole(app, user.id, role),
    },
    userFromCookieHeader(header) {
      const session = app.sessions.load(header);
      return session?.userId ? app.users.get(session.userId) : null;
    },
  };
}

/** What accepting an invitation grants — the same for the JSON endpoint and the example's own forms. */
export function grantInvitedRole(app: Example, userId: string, role: string): void {
  // Never demote an admin who accepts a lesser invitation; everyone else gets the invited role.
  if (app.users.get(userId)?.role !== 'admin') app.users.setRole(userId, role);
  app.log(`invitation accepted by ${userId}: role ${role}`);
}
