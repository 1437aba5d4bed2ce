import { type HttpRequest, type HttpResponse, type Rejection, rejectionOf } from '@tokenkit/core/http';
import type { Context, Next } from 'koa';

/**
 * Koa's `ctx` seen as a neutral {@link HttpRequest}. Getters, so fields a
 * flow never reads (the IP behind `app.proxy`, the query) cost nothing.
 */
export class KoaRequest implements HttpRequest<Context> {
  /**
   * @param native - Koa's context
   * @param relativePath - the path below `basePath` (default: the whole path)
   * @param basePath - where the routes are mounted
   */
  constructor(
    readonly native: Context,
    private readonly relativePath?: string,
    readonly basePath = '',
  ) {}

  get method(): string {
    return this.native.method;
  }

  /** Null for URLs like `//#?` (Koa's `ctx.path` is null there despite its type). */
  get path(): string | null {
    return this.relativePath ?? this.native.path ?? null;
  }

  get headers(): Context['req']['headers'] {
    return this.native.req.headers;
  }

  get query(): string {
    return this.native.querystring;
  }

  /** Honours `app.proxy` (and `app.proxyIpHeader`). */
  get ip(): string | undefined {
    return this.native.ip;
  }

  /** Set by a Koa body parser (koa-bodyparser, @koa/bodyparser, koa-body) when the app uses one. */
  get body(): unknown {
    return (this.native.request as { body?: unknown }).body;
  }

  get stream(): Context['req'] {
    return this.native.req;
  }
}

/**
 * Replaces tokenkit's problem+json answer: set `ctx.status`/`ctx.body`, or
 * throw (`ctx.throw(rejection.status, msg, { headers: rejection.headers })`
 * keeps the headers; Koa's default error handler then sends a text body).
 * Calling `next()` continues down the chain as if nothing was rejected —
 * for `apiKeyAuth` that is an unauthenticated request, so do not.
 */
export type KoaRejectHandler = (rejection: Rejection, ctx: Context, next: Next) => unknown;

/**
 * Sends a flow's answer, or hands an error answer to the app's `onReject`.
 * Cookies the answer sets (clearing a used link's cookie) are set either way.
 *
 * @param ctx - Koa's context
 * @param next - Koa's `next`
 * @param response - what the flow decided
 * @param onReject - the app's handler, if any
 * @returns what `onReject` returned (awaited by Koa), else undefined
 */
export function answer(ctx: Context, next: Next, response: HttpResponse, onReject: KoaRejectHandler | undefined): unknown {
  const rejection = onReject === undefined ? undefined : rejectionOf(response);
  if (rejection === undefined || onReject === undefined) {
    send(ctx, response);
    return undefined;
  }
  if (response.cookies.length > 0) ctx.append('Set-Cookie', response.cookies);
  return onReject(rejection, ctx, next);
}

/**
 * Writes a neutral response onto `ctx` — headers directly on the response,
 * so `WWW-Authenticate` and `Retry-After` survive together with the
 * problem+json body (a thrown error keeps `err.headers` on Koa 2 and 3, but
 * Koa's `onerror` replaces the body with plain text). Set-Cookie values are
 * appended to any the app set.
 *
 * @param ctx - Koa's context
 * @param response - what the flow decided
 */
export function send(ctx: Context, response: HttpResponse): void {
  ctx.status = response.status;
  ctx.set(response.headers);
  if (response.cookies.length > 0) ctx.append('Set-Cookie', response.cookies);
  // Content-Type is already set, so Koa keeps it instead of guessing from the string.
  ctx.body = response.body;
}
