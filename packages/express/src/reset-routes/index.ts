import { type ResetRoutesOptions, type ResetUser, createResetFlow } from '@tokenkit/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ExpressRequest, send, settle } from '../request.js';

export type { ResetEmail, ResetRoutesOptions, ResetUser } from '@tokenkit/core';

/**
 * Password-reset routes as one Express middleware, mountable under any path:
 * `app.use('/auth/reset', resetRoutes(...))` serves `POST /auth/reset/request`,
 * `GET|HEAD /auth/reset/:token` and `POST /auth/reset/confirm`; anything else
 * falls through to `next()`. Bodies parsed by `express.json()` /
 * `express.urlencoded()` are reused; otherwise JSON and HTML forms are read
 * with a size limit.
 *
 * @param options - see `ResetRoutesOptions` (`baseUrl` = the public URL of the mount path)
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
  return (req: Request, res: Response, next: NextFunction): void => {
    settle(handle(new ExpressRequest(req)), (response) => (response ? send(res, response) : next()), next);
  };
}
