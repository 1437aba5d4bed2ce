import { type ResetRoutesOptions as CoreResetRoutesOptions, type ResetUser, createResetFlow, optionalFunction } from '@tokenkit/core/http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { answer, type ExpressRejectHandler, ExpressRequest, settle } from '../request.js';

export type { ResetEmail, ResetUser } from '@tokenkit/core/http';

/** Options of Express's `resetRoutes`: the shared options plus `onReject`. */
export interface ResetRoutesOptions<U extends ResetUser = ResetUser> extends CoreResetRoutesOptions<U> {
  /**
   * Replaces the problem+json answer of a rejected request (400, 403, 405,
   * 410, 413, 415, 429, 503): respond yourself, or `next(err)`. A cleared
   * link cookie is set before it runs.
   */
  onReject?: ExpressRejectHandler | undefined;
}

/**
 * Password-reset routes as one Express middleware, mountable under any path:
 * `app.use('/auth/reset', resetRoutes(...))` serves `POST /auth/reset/request`,
 * `GET|HEAD /auth/reset/:token` and `POST /auth/reset/confirm`; anything else
 * falls through to `next()`. Bodies parsed by `express.json()` /
 * `express.urlencoded()` are reused; otherwise JSON and HTML forms are read
 * with a size limit.
 *
 * @param options - see `ResetRoutesOptions` (`baseUrl` = the public URL of the mount path), plus `onReject`
 * @returns the middleware
 * @example
 * ```ts
 * app.use('/auth/reset', resetRoutes({
 *   resets, baseUrl: 'https://app.example.com/auth/reset', formPath: '/reset-password',
 *   findUserByEmail: (email) => users.byEmail(email),
 *   sendResetEmail: ({ user, url }) => mailer.send(user.email, `Reset your password: ${url}`),
 *   setPassword: (userId, password) => users.setPassword(userId, password),
 * }))
 * ```
 */
export function resetRoutes<U extends ResetUser>(options: ResetRoutesOptions<U>): RequestHandler {
  const handle = createResetFlow(options);
  const onReject = optionalFunction(options.onReject, 'resetRoutes: onReject');
  return (req: Request, res: Response, next: NextFunction): void => {
    settle(handle(new ExpressRequest(req)), (response) => (response ? answer(req, res, next, response, onReject) : next()), next);
  };
}
