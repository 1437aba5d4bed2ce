import type { Request, Response } from 'express';
import type { ApiResult, WebRequest, WebResponse } from 'example-shared';

/** Express request → the shared pages' request shape. */
export function toWebRequest(req: Request): WebRequest {
  const body: unknown = req.body;
  return {
    method: req.method,
    path: req.path,
    query: new URL(req.originalUrl, 'http://localhost').searchParams,
    cookieHeader: req.headers.cookie,
    fetchSite: req.get('sec-fetch-site'),
    origin: req.get('origin'),
    referer: req.get('referer'),
    form: typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {},
    remoteAddress: req.socket.remoteAddress,
  };
}

export function sendWeb(res: Response, out: WebResponse): void {
  res.status(out.status).set(out.headers);
  if (out.cookies.length > 0) res.append('set-cookie', out.cookies);
  res.send(out.body);
}

export function sendApi(res: Response, out: ApiResult): void {
  res.status(out.status).type(out.contentType).send(JSON.stringify(out.body));
}
