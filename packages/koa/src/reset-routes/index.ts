import { type ResetRoutesOptions, type ResetUser, createResetFlow, routeBase, stripBase, optionalFunction } from '@tokenkit/core/http';
import type { Middleware } from 'koa';
import { answer, type KoaRejectHandler, KoaRequest } from '../request.js';

export type { ResetEmail, ResetUser } from '@tokenkit/core/http';

/** Options of Koa's `resetRoutes`: the core options plus the `base` path to match. */
export interface KoaResetRoutesOptions<U extends ResetUser = ResetUser> extends ResetRoutesOptions<U> {
  /** Path the routes live under (default: the path of `baseUrl`). */
  base?: string | undefined;
  /**
   * Replaces the problem+json answer of a rejected request (400, 403, 405,
   * 410, 413, 415, 429, 503): answer on `ctx` yourself, or throw. A cleared
   * link cookie is set before it runs.
   */
  onReject?: KoaRejectHandler | undefined;
}

/**
 * Password-reset routes as Koa middleware matching its own paths under
 * `base`: `POST {base}/request`, `GET|HEAD {base}/:token`,
 * `POST {base}/confirm`; anything else goes to `next()`. A body parsed by a
 * Koa body parser (`ctx.request.body`) is reused; otherwise JSON and HTML
 * forms are read with a size limit.
 *
 * @param options - see `ResetRoutesOptions`, plus `base` and `onReject`
 * @returns the middleware
 * @example
 * ```ts
 * app.use(resetRoutes({
 *   resets, baseUrl: 'https://app.example.com/auth/reset', formPath: '/reset-password',
 *   findUserByEmail: (email) => users.byEmail(email),
 *   sendResetEmail: ({ user, url }) => mailer.send(user.email, `Reset your password: ${url}`),
 *   setPassword: (userId, password) => users.setPassword(userId, password),
 * }))
 * ```
 */
export function resetRoutes<U extends ResetUser>(options: KoaResetRoutesOptions<U>): Middleware {
  const handle = createResetFlow(options);
  const base = routeBase(options.base ?? new URL(options.baseUrl).pathname, 'resetRoutes');
  const onReject = optionalFunction(options.onReject, 'resetRoutes: onReject');
  return async (ctx, next) => {
    const path = stripBase(ctx.path, base);
    const response = path === null ? null : await handle(new KoaRequest(ctx, path, base));
    if (response === null) return next();
    await answer(ctx, next, response, onReject);
  };
}
