import type { HttpRequest, HttpResponse } from '@tokenkit/core';
import type { Context } from 'koa';

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
 * Writes a neutral response onto `ctx` — headers directly on the response,
 * so `WWW-Authenticate` and `Retry-After` survive (Koa's `onerror` would drop
 * them from a thrown error). Set-Cookie values are appended to any the app set.
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
