import {
  type InvitationRoutesOptions,
  type InvitationUser,
  createInvitationFlow,
  routeBase,
  stripBase,
} from '@tokenkit/core';
import type { Context, Middleware } from 'koa';
import { KoaRequest, send } from '../request.js';

export type { AcceptedInvitation, InvitationUser } from '@tokenkit/core';

/** Options of Koa's `invitationRoutes`: callbacks receive `ctx`; `base` is the path to match. */
export interface KoaInvitationRoutesOptions<U extends InvitationUser = InvitationUser>
  extends InvitationRoutesOptions<Context, U> {
  /** Path the routes live under (default `'/invitations'`). */
  base?: string | undefined;
}

/**
 * Invitation routes as Koa middleware matching its own paths under `base`:
 * `GET|HEAD {base}/:code` and `POST {base}/accept`; anything else goes to `next()`.
 *
 * @param options - `invites`, `getUser(ctx)`, `onAccepted`, `acceptPath`, `cookie`, `bodyLimit`, `base`
 * @returns the middleware
 * @example
 * ```ts
 * app.use(invitationRoutes({
 *   invites, base: '/invitations', acceptPath: '/join',
 *   getUser: (ctx) => ctx.state.user ?? null,
 *   onAccepted: ({ user, role }) => members.add(user.id, role),
 * }))
 * ```
 */
export function invitationRoutes<U extends InvitationUser>(options: KoaInvitationRoutesOptions<U>): Middleware {
  const handle = createInvitationFlow(options);
  const base = routeBase(options.base ?? '/invitations', 'invitationRoutes');
  return async (ctx, next) => {
    const path = stripBase(ctx.path, base);
    const response = path === null ? null : await handle(new KoaRequest(ctx, path, base));
    if (response === null) return next();
    send(ctx, response);
  };
}
