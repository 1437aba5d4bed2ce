import type { Example } from '../example.js';
import { html } from '../html/escape.js';
import { layout } from '../html/layout.js';
import type { Session } from '../sessions.js';
import type { User } from '../users.js';
import type { PageContext, PageResult, Route, WebRequest, WebResponse } from './types.js';

/** Pages show CSRF tokens and one-time secrets: never cache them. */
const PAGE_HEADERS = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };

/**
 * Runs one page of the route table: session, CSRF check on POST, access
 * control, the handler, then the response with any new session cookie. Both
 * apps call this, so the page logic exists once.
 */
export async function dispatch(app: Example, route: Route, req: WebRequest): Promise<WebResponse> {
  let session = app.sessions.load(req.cookieHeader);
  let cookieChanged = false;
  if (!session && req.method === 'GET' && req.fetchSite === 'cross-site') {
    // Browsers withhold SameSite=Strict cookies on navigations from other sites (a link in
    // webmail). Answering now would show a signed-out page and overwrite the session cookie;
    // reloading from our own page makes it a same-site navigation that carries the cookies.
    return bounce(req);
  }
  if (!session) {
    session = app.sessions.create();
    cookieChanged = true;
  }
  let user: User | null = session.userId ? app.users.get(session.userId) : null;

  if (req.method === 'POST' && !app.sessions.checkCsrf(session, req.form['_csrf'])) {
    // A fresh session has a token the form could not have known: the page was stale or forged.
    return finish(app, session, user, cookieChanged, {
      status: 403,
      title: 'Form expired',
      body: html`<div class="card"><h1>This form has expired</h1><p>Please go back, reload the page and try again.</p></div>`,
      narrow: true,
    }, req.path);
  }
  if (route.access !== 'public' && !user) {
    return finish(app, session, user, cookieChanged, { redirect: `/signin?next=${encodeURIComponent(req.path)}` }, req.path);
  }
  if (route.access === 'admin' && user?.role !== 'admin') {
    return finish(app, session, user, cookieChanged, {
      status: 403,
      title: 'Admins only',
      body: html`<div class="card"><h1>Admins only</h1><p>This page needs the <code>admin</code> role.</p></div>`,
      narrow: true,
    }, req.path);
  }

  const ctx: PageContext = {
    req,
    app,
    session,
    user,
    csrf: session.csrf,
    signIn(next) {
      // New id and CSRF token on privilege change: a planted session id is worthless.
      session = app.sessions.rotate(session!, next.id);
      ctx.session = session;
      ctx.csrf = session.csrf;
      ctx.user = user = next;
      cookieChanged = true;
    },
    signOut() {
      session = app.sessions.rotate(session!, null);
      ctx.session = session;
      ctx.csrf = session.csrf;
      ctx.user = user = null;
      cookieChanged = true;
    },
    flash(kind, text) {
      session!.flash = { kind, text };
    },
    takeReveal() {
      const reveal = session!.reveal;
      session!.reveal = null;
      return reveal;
    },
  };
  const result = await route.handle(ctx);
  return finish(app, session, user, cookieChanged, result, req.path);
}

function bounce(req: WebRequest): WebResponse {
  const target = req.path + (req.query.size > 0 ? `?${req.query.toString()}` : '');
  const body = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${target}"><title>Continue</title></head>
<body><p><a href="${target}">Continue</a></p></body></html>`;
  return { status: 200, headers: { ...PAGE_HEADERS }, cookies: [], body: body.value };
}

function finish(app: Example, session: Session, user: User | null, cookieChanged: boolean, result: PageResult, path: string): WebResponse {
  const cookies = cookieChanged ? [app.sessions.setCookie(session)] : [];
  if ('redirect' in result) {
    return { status: 303, headers: { location: result.redirect, 'cache-control': 'no-store' }, cookies, body: '' };
  }
  const flash = session.flash;
  session.flash = null;
  const body = layout({ title: result.title, body: result.body, user, csrf: session.csrf, flash, narrow: result.narrow ?? false, path, devOutbox: app.devOutbox });
  return { status: result.status ?? 200, headers: { ...PAGE_HEADERS }, cookies, body };
}

/** A page rendered outside the route table (404, errors) for the glue code. */
export function renderStandalone(app: Example, cookieHeader: string | undefined, status: number, title: string, text: string): WebResponse {
  const session = app.sessions.load(cookieHeader);
  const user = session?.userId ? app.users.get(session.userId) : null;
  const body = layout({
    title,
    body: html`<div class="card"><h1>${title}</h1><p>${text}</p><p><a href="/">Back to the start page</a></p></div>`,
    user,
    csrf: session?.csrf ?? '',
    narrow: true,
    devOutbox: app.devOutbox,
  });
  return { status, headers: { ...PAGE_HEADERS }, cookies: [], body };
}
