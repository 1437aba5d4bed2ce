import { type HttpRequest, type HttpResponse, isThenable, type Rejection, rejectionOf } from '@tokenkit/core/http';
import type { NextFunction, Request, Response } from 'express';

/**
 * Express's `req` seen as a neutral {@link HttpRequest}. Getters, so fields a
 * flow never reads (the IP behind `trust proxy`, the query) cost nothing.
 */
export class ExpressRequest implements HttpRequest<Request> {
  /** @param native - Express's request */
  constructor(readonly native: Request) {}

  get method(): string {
    return this.native.method;
  }

  /** Relative to the mount point: Express strips `app.use(path, …)`'s path. Null for URLs like `//#?`. */
  get path(): string | null {
    return this.native.path ?? null;
  }

  get basePath(): string {
    return this.native.baseUrl ?? '';
  }

  get headers(): Request['headers'] {
    return this.native.headers;
  }

  get query(): string {
    const url = this.native.url;
    const mark = url.indexOf('?');
    return mark === -1 ? '' : url.slice(mark + 1);
  }

  /** Honours the app's `trust proxy` setting. */
  get ip(): string | undefined {
    return this.native.ip;
  }

  get body(): unknown {
    return this.native.body;
  }

  get stream(): Request {
    return this.native;
  }
}

/**
 * Writes a neutral response. Set-Cookie values are appended to any the app set.
 *
 * @param res - Express's response
 * @param response - what the flow decided
 */
export function send(res: Response, response: HttpResponse): void {
  res.statusCode = response.status;
  for (const name in response.headers) res.setHeader(name, response.headers[name]!);
  if (response.cookies.length > 0) res.append('Set-Cookie', response.cookies);
  res.end(response.body);
}

/**
 * Replaces tokenkit's problem+json answer: respond with `res`, or pass an
 * error on with `next(err)`. A thrown error or a rejected promise goes to
 * `next(err)` too. Calling `next()` without an error continues down the
 * chain as if nothing was rejected — for `apiKeyAuth` that is an
 * unauthenticated request, so do not.
 */
export type ExpressRejectHandler = (rejection: Rejection, req: Request, res: Response, next: NextFunction) => void | Promise<void>;

/**
 * Sends a flow's answer, or hands an error answer to the app's `onReject`.
 * Cookies the answer sets (clearing a used link's cookie) are set either way.
 *
 * @param req - Express's request
 * @param res - Express's response
 * @param next - Express's `next`
 * @param response - what the flow decided
 * @param onReject - the app's handler, if any
 */
export function answer(
  req: Request,
  res: Response,
  next: NextFunction,
  response: HttpResponse,
  onReject: ExpressRejectHandler | undefined,
): void {
  const rejection = onReject === undefined ? undefined : rejectionOf(response);
  if (rejection === undefined || onReject === undefined) {
    send(res, response);
    return;
  }
  if (response.cookies.length > 0) res.append('Set-Cookie', response.cookies);
  const result = onReject(rejection, req, res, next);
  if (isThenable(result)) result.then(undefined, next);
}

/**
 * Runs a flow for an Express handler: its result goes to `done`; a rejection
 * (an error thrown by an app callback) or an error in `done` goes to `next(err)`,
 * never to an unhandled rejection.
 *
 * @param work - the flow's promise (or any thenable)
 * @param done - what to do with its result
 * @param next - Express's `next`
 */
export function settle<T>(work: PromiseLike<T>, done: (value: T) => void, next: NextFunction): void {
  work.then(done).then(undefined, next);
}
