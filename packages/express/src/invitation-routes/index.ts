import { type InvitationRoutesOptions, type InvitationUser, createInvitationFlow, optionalFunction } from '@tokenkit/core/http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { answer, type ExpressRejectHandler, ExpressRequest, settle } from '../request.js';

export type { AcceptedInvitation, InvitationUser } from '@tokenkit/core/http';

/** Options of Express's `invitationRoutes`: callbacks receive Express's `req`. */
export interface ExpressInvitationRoutesOptions<U extends InvitationUser = InvitationUser> extends InvitationRoutesOptions<Request, U> {
  /**
   * Replaces the problem+json answer of a rejected request (400, 401, 403,
   * 404, 405, 409, 410, 413, 415, 503): respond yourself, or `next(err)`.
   */
  onReject?: ExpressRejectHandler | undefined;
}

/**
 * Invitation routes as one Express middleware, mountable under any path:
 * `app.use('/invitations', invitationRoutes(...))` serves
 * `GET|HEAD /invitations/:code` and `POST /invitations/accept`; anything else
 * falls through to `next()`.
 *
 * @param options - `invites`, `getUser(req)`, `onAccepted`, `acceptPath`, `baseUrl`, `trustedOrigins`, `ipLimit`, `store`, `cookie`, `bodyLimit`, `validate`, `onReject`
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
  const onReject = optionalFunction(options.onReject, 'invitationRoutes: onReject');
  return (req: Request, res: Response, next: NextFunction): void => {
    settle(handle(new ExpressRequest(req)), (response) => (response ? answer(req, res, next, response, onReject) : next()), next);
  };
}
