import type { ApiResult, WebRequest, WebResponse } from 'example-shared';
import type { Context } from 'koa';

/** Koa context → the shared pages' request shape (the body comes from @koa/bodyparser). */
export function toWebRequest(ctx: Context): WebRequest {
  const body = (ctx.request as { body?: unknown }).body;
  return {
    method: ctx.method,
    path: ctx.path,
    query: new URLSearchParams(ctx.querystring),
    cookieHeader: ctx.get('cookie') || undefined,
    fetchSite: ctx.get('sec-fetch-site') || undefined,
    origin: ctx.get('origin') || undefined,
    referer: ctx.get('referer') || undefined,
    form: typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {},
    remoteAddress: ctx.req.socket.remoteAddress,
  };
}

export function sendWeb(ctx: Context, out: WebResponse): void {
  ctx.status = out.status;
  ctx.set(out.headers);
  if (out.cookies.length > 0) ctx.append('Set-Cookie', out.cookies);
  ctx.body = out.body;
}

export function sendApi(ctx: Context, out: ApiResult): void {
  ctx.status = out.status;
  ctx.type = out.contentType;
  ctx.body = JSON.stringify(out.body);
}
