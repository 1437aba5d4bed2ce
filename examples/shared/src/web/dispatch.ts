import { safeEqual } from '@tokenkit/core';
import type { Example } from '../example.js';
import { html } from '../html/escape.js';
import { layout } from '../html/layout.js';
import type { Flash, Reveal, Session } from '../sessions.js';
import type { User } from '../users.js';
import type { PageContext, PageResult, Route, WebRequest, WebResponse } from './types.js';

/** Pages show CSRF tokens and one-time secrets: never cache them. */
const PAGE_HEADERS = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };

/**
 * Runs one page of the route table: session (signed-in users only) or the
 * visitor's cookie state, CSRF check on POST, access control, the handler,
 * then the response with any cookie changes. Both apps call this, so the
 * page logic exists once.
 */
export async function dispatch(app: Example, route: Route, req: WebRequest): Promise<WebResponse> {
  let session = app.sessions.load(req.cookieHeader);
  if (!session && req.method === 'GET' && req.fetchSite === 'cross-site') {
    // Browsers withhold SameSite=Strict cookies on navigations from other sites (a link in
    // webmail). Answering now would show a signed-out page; reloading from our own page
    // makes it a same-site navigation that carries the cookies.
    return bounce(req);
  }
  const cookies: string[] = [];
  // Visitors without a session get a nonce cookie for their CSRF token — and nothing on the server.
  let nonce = session ? null : app.anon.nonce(req.cookieHeader);
  const anonCsrf = (): string => {
    if (nonce === null) {
      nonce = app.anon.newNonce();
      cookies.push(app.anon.nonceCookie(nonce));
    }
    return app.anon.csrfFor(nonce);
  };
  const incomingFlash = app.anon.readFlash(req.cookieHeader);
  let outgoingFlash: Flash | null = null;
  const user: User | null = session ? app.users.get(session.userId) : null;
  // What the response is rendered with; sign-in and sign-out change it.
  const state: State = { session, user, csrf: session ? session.csrf : anonCsrf() };

  if (req.method === 'POST' && !checkToken(state.csrf, req.form['_csrf'])) {
    // A fresh nonce has a token the form could not have known: the page was stale or forged.
    return finish(app, state, cookies, incomingFlash, null, {
      status: 403,
      title: 'Form expired',
      body: html`<div class="card"><h1>This form has expired</h1><p>Please go back, reload the page and try again.</p></div>`,
      narrow: true,
    }, req.path);
  }
  if (route.access !== 'public' && !user) {
    return finish(app, state, cookies, incomingFlash, null, { redirect: `/signin?next=${encodeURIComponent(req.path)}` }, req.path);
  }
  if (route.access === 'admin' && user?.role !== 'admin') {
    return finish(app, state, cookies, incomingFlash, null, {
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
    csrf: state.csrf,
    signIn(next) {
      // The only place a session is created: a new id and CSRF token, so a planted id is worthless.
      if (session) app.sessions.destroy(session);
      session = app.sessions.create(next.id);
      cookies.push(app.sessions.setCookie(session));
      ctx.session = state.session = session;
      ctx.csrf = state.csrf = session.csrf;
      ctx.user = state.user = next;
    },
    signOut() {
      if (session) app.sessions.destroy(session);
      cookies.push(app.sessions.clearCookie());
      session = null;
      ctx.session = state.session = null;
      ctx.csrf = state.csrf = anonCsrf();
      ctx.user = state.user = null;
    },
    flash(kind, text) {
      outgoingFlash = { kind, text };
    },
    reveal(reveal: Reveal) {
      if (session) session.reveal = reveal;
    },
    takeReveal() {
      const reveal = session?.reveal ?? null;
      if (session) session.reveal = null;
      return reveal;
    },
  };
  const result = await route.handle(ctx);
  return finish(app, state, cookies, incomingFlash, outgoingFlash, result, req.path);
}

function checkToken(expected: string, token: unknown): boolean {
  return typeof token === 'string' && token.length > 0 && safeEqual(token, expected);
}

function bounce(req: WebRequest): WebResponse {
  const target = req.path + (req.query.size > 0 ? `?${req.query.toString()}` : '');
  const body = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${target}"><title>Continue</title></head>
<body><p><a href="${target}">Continue</a></p></body></html>`;
  return { status: 200, headers: { ...PAGE_HEADERS }, cookies: [], body: body.value };
}

interface State {
  session: Session | null;
  user: User | null;
  csrf: string;
}

function finish(
  app: Example,
  state: State,
  cookies: string[],
  incoming: Flash | null,
  outgoing: Flash | null,
  result: PageResult,
  path: string,
): WebResponse {
  if ('redirect' in result) {
    // A new message rides along to the next page; an unread one stays in its cookie.
    if (outgoing) cookies.push(app.anon.flashCookie(outgoing));
    return {
      status: 303,
      headers: { location: result.redirect, 'cache-control': 'no-store' },
      cookies: [...cookies, ...(result.cookies ?? [])],
      body: '',
    };
  }
  if (incoming) cookies.push(app.anon.clearFlashCookie());
  const flash = outgoing ?? incoming;
  const body = layout({
    title: result.title,
    body: result.body,
    user: state.user,
    csrf: state.csrf,
    flash,
    narrow: result.narrow ?? false,
    path,
    devOutbox: app.devOutbox,
  });
  return { status: result.status ?? 200, headers: { ...PAGE_HEADERS }, cookies: [...cookies, ...(result.cookies ?? [])], body };
}

/** A page rendered outside the route table (404, errors) for the glue code. */
export function renderStandalone(app: Example, cookieHeader: string | undefined, status: number, title: string, text: string): WebResponse {
  const session = app.sessions.load(cookieHeader);
  const user = session ? app.users.get(session.userId) : null;
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
