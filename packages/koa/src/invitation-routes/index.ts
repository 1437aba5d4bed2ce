import { type InvitationRoutesOptions, type InvitationUser, createInvitationFlow, routeBase, stripBase, optionalFunction } from '@tokenkit/core/http';
import type { Context, Middleware } from 'koa';
import { answer, type KoaRejectHandler, KoaRequest } from '../request.js';

export type { AcceptedInvitation, InvitationUser } from '@tokenkit/core/http';

/** Options of Koa's `invitationRoutes`: callbacks receive `ctx`; `base` is the path to match. */
export interface KoaInvitationRoutesOptions<U extends InvitationUser = InvitationUser>
  extends InvitationRoutesOptions<Context, U> {
  /** Path the routes live under (default `'/invitations'`). */
  base?: string | undefined;
  /**
   * Replaces the problem+json answer of a rejected request (400, 401, 403,
   * 404, 405, 409, 410, 413, 415, 503): answer on `ctx` yourself, or throw.
   */
  onReject?: KoaRejectHandler | undefined;
}

/**
 * Invitation routes as Koa middleware matching its own paths under `base`:
 * `GET|HEAD {base}/:code` and `POST {base}/accept`; anything else goes to `next()`.
 *
 * @param options - `invites`, `getUser(ctx)`, `onAccepted`, `acceptPath`, `baseUrl`, `trustedOrigins`, `ipLimit`, `store`, `cookie`, `bodyLimit`, `validate`, `base`, `onReject`
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
  const onReject = optionalFunction(options.onReject, 'invitationRoutes: onReject');
  return async (ctx, next) => {
    const path = stripBase(ctx.path, base);
    const response = path === null ? null : await handle(new KoaRequest(ctx, path, base));
    if (response === null) return next();
    await answer(ctx, next, response, onReject);
  };
}
