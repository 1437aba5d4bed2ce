import { type InvitationRoutesOptions, type InvitationUser, createInvitationFlow } from '@tokenkit/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ExpressRequest, send, settle } from '../request.js';

export type { AcceptedInvitation, InvitationUser } from '@tokenkit/core';

/** Options of Express's `invitationRoutes`: callbacks receive Express's `req`. */
export type ExpressInvitationRoutesOptions<U extends InvitationUser = InvitationUser> = InvitationRoutesOptions<Request, U>;

/**
 * Invitation routes as one Express middleware, mountable under any path:
 * `app.use('/invitations', invitationRoutes(...))` serves
 * `GET|HEAD /invitations/:code` and `POST /invitations/accept`; anything else
 * falls through to `next()`.
 *
 * @param options - `invites`, `getUser(req)`, `onAccepted`, `acceptPath`, `baseUrl`, `trustedOrigins`, `ipLimit`, `store`, `cookie`, `bodyLimit`
 * @returns the middleware
 * @example
 * ```ts
 * app.use('/invitations', invitationRoutes({
 *   invites, acceptPath: '/join',
 *   getUser: (req) => req.session?.user ?? null,
 *   onAccepted: ({ user, role }) => members.add(user.id, role),
 * }))
 * ```
 */
export function invitationRoutes<U extends InvitationUser>(options: ExpressInvitationRoutesOptions<U>): RequestHandler {
  const handle = createInvitationFlow(options);
  return (req: Request, res: Response, next: NextFunction): void => {
    settle(handle(new ExpressRequest(req)), (response) => (response ? send(res, response) : next()), next);
  };
}
