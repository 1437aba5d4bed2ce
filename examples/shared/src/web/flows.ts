import type { HttpRequest, HttpResponse } from '@tokenkit/core/http';
import type { WebRequest } from './types.js';

/**
 * Runs one of tokenkit's framework-neutral flows (the same code resetRoutes
 * mounts) for a plain HTML form the page already parsed and CSRF-checked, so
 * the no-JavaScript path keeps everything the flow does — timing padding,
 * per-IP limits, e-mail cooldown, the token cookie — and the page only turns
 * the JSON answer into a redirect or a message.
 */
export async function runFlow(
  flow: (request: HttpRequest<WebRequest>) => Promise<HttpResponse | null>,
  req: WebRequest,
  at: { basePath: string; path: string },
  body: Record<string, string>,
): Promise<{ status: number; problem: { code?: string; detail?: string }; cookies: string[] }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (req.cookieHeader) headers['cookie'] = req.cookieHeader;
  if (req.fetchSite) headers['sec-fetch-site'] = req.fetchSite;
  // The flow checks these itself (a cookie-authorised POST must come from the app's own origin).
  if (req.origin) headers['origin'] = req.origin;
  if (req.referer) headers['referer'] = req.referer;
  const response = await flow({
    method: 'POST',
    path: at.path,
    basePath: at.basePath,
    headers,
    query: '',
    ip: req.remoteAddress,
    body,
    stream: undefined,
    native: req,
  });
  if (!response) throw new Error(`no tokenkit route at ${at.basePath}${at.path}`);
  let problem: { code?: string; detail?: string } = {};
  if (response.status >= 400) {
    try {
      problem = JSON.parse(response.body) as typeof problem;
    } catch {
      problem = {};
    }
  }
  return { status: response.status, problem, cookies: response.cookies };
}
