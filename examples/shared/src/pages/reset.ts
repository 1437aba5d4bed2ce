import { createResetFlow } from '@tokenkit/core/http';
import { parse } from 'cookie';
import { type Example, PATHS } from '../example.js';
import { html } from '../html/escape.js';
import { csrfField, formError } from '../html/parts.js';
import { tokenkitHooks } from '../hooks.js';
import { MIN_PASSWORD_LENGTH } from '../users.js';
import { runFlow } from '../web/flows.js';
import { field, type PageContext, type PageResult, type Route } from '../web/types.js';

/**
 * The pages around `resetRoutes`. The forms are plain HTML forms posting to
 * these pages (they work without JavaScript); the pages hand them to the same
 * framework-neutral reset flow the app mounts at PATHS.resetBase.
 */

/** Name of the cookie resetRoutes moves the token into; its Path is PATHS.resetForm (see hooks.ts). */
const RESET_COOKIE = 'tokenkit_reset';

const flows = new WeakMap<Example, ReturnType<typeof createResetFlow>>();
function resetFlow(app: Example) {
  let flow = flows.get(app);
  if (!flow) {
    flow = createResetFlow(tokenkitHooks(app).reset);
    flows.set(app, flow);
  }
  return flow;
}
const AT = (path: string) => ({ basePath: PATHS.resetBase, path });

/** Shown when a reset link is unknown, expired or already used (resetRoutes redirects here with `?error=invalid_link`). */
function linkInvalidPage(): PageResult {
  return {
    title: 'Link expired or used',
    status: 410,
    narrow: true,
    body: html`<div class="card" data-page="reset-link-invalid">
  <h1>This link has expired or was already used</h1>
  <p>Password-reset links work <strong>once</strong> and only for <strong>one hour</strong>. A newer link also replaces older ones.</p>
  <div class="actions"><a class="button" href="/forgot">Request a new link</a><a href="/signin">Back to sign in</a></div>
</div>`,
  };
}

/** `/password/reset` opened without a link (bookmarked, typed, the cookie expired): say what to do. */
function noLinkPage(): PageResult {
  return {
    title: 'Open your reset link',
    narrow: true,
    body: html`<div class="card" data-page="reset-no-link">
  <h1>Open the link from your e-mail</h1>
  <p>To set a new password, open the reset link we sent you. Links work once and for one hour; if yours is older, request a new one.</p>
  <div class="actions"><a class="button" href="/forgot">Request a reset link</a><a href="/signin">Back to sign in</a></div>
</div>`,
  };
}

function forgotPage(ctx: PageContext, error: string | null = null, status = 200): PageResult {
  return {
    title: 'Forgot password',
    status,
    narrow: true,
    body: html`<h1>Forgot your password?</h1>
<p class="lead">Enter your e-mail address and we will send you a link to choose a new one.</p>
<form class="card" method="post" action="/forgot">
  ${error && html`<div class="flash error" role="alert">${error}</div>`}
  ${csrfField(ctx.csrf)}
  <label for="email">E-mail</label>
  <input id="email" name="email" type="email" autocomplete="email" required>
  <div class="actions"><button type="submit">Send reset link</button><a href="/signin">Back to sign in</a></div>
</form>`,
  };
}

function newPasswordPage(ctx: PageContext, error: string | null = null, status = 200): PageResult {
  return {
    title: 'Set a new password',
    status,
    narrow: true,
    body: html`<h1>Set a new password</h1>
<p class="lead">Choose a new password of at least ${MIN_PASSWORD_LENGTH} characters. You will be signed out everywhere else.</p>
<form class="card" method="post" action="${PATHS.resetForm}">
  ${error ? html`<div class="flash error" role="alert">${error}</div>` : formError()}
  ${csrfField(ctx.csrf)}
  <label for="password">New password</label>
  <input id="password" name="password" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" required>
  <label for="confirm">Repeat it</label>
  <input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" required>
  <div class="actions"><button type="submit">Save new password</button></div>
</form>`,
  };
}

function hasResetCookie(ctx: PageContext): boolean {
  return Boolean(ctx.req.cookieHeader && parse(ctx.req.cookieHeader)[RESET_COOKIE]);
}

export const resetRoutes: Route[] = [
  { method: 'GET', path: '/forgot', access: 'public', handle: (ctx) => forgotPage(ctx) },
  {
    method: 'POST',
    path: '/forgot',
    access: 'public',
    async handle(ctx) {
      const answer = await runFlow(resetFlow(ctx.app), ctx.req, AT('/request'), { email: field(ctx.req.form, 'email', 320) });
      if (answer.status === 202) return { redirect: '/forgot/sent' };
      if (answer.status === 400) return forgotPage(ctx, 'Enter a valid e-mail address.', 400);
      if (answer.status === 429) return forgotPage(ctx, 'Too many reset requests. Please wait a few minutes and try again.', 429);
      return forgotPage(ctx, 'The request could not be handled right now. Please try again.', answer.status);
    },
  },
  {
    method: 'GET',
    path: '/forgot/sent',
    access: 'public',
    handle: ({ app }) => ({
      title: 'Check your e-mail',
      narrow: true,
      body: html`<div class="card" data-page="reset-sent">
  <h1>Check your e-mail</h1>
  <p>If an account exists for that address, a reset link is on its way. It works once and expires in one hour.</p>
  ${app.devOutbox && html`<p class="muted">This demo does not send e-mail: open the <a href="/dev/outbox">dev outbox</a> to find the message.</p>`}
</div>`,
    }),
  },
  {
    method: 'GET',
    path: PATHS.resetForm,
    access: 'public',
    handle(ctx) {
      if (ctx.req.query.get('error') === 'invalid_link') return linkInvalidPage();
      return hasResetCookie(ctx) ? newPasswordPage(ctx) : noLinkPage();
    },
  },
  {
    method: 'POST',
    path: PATHS.resetForm,
    access: 'public',
    async handle(ctx) {
      if (!hasResetCookie(ctx)) return noLinkPage();
      const password = field(ctx.req.form, 'password', 1000);
      if (field(ctx.req.form, 'confirm', 1000) !== password) return newPasswordPage(ctx, 'The two passwords differ.', 400);
      const answer = await runFlow(resetFlow(ctx.app), ctx.req, AT('/confirm'), { password });
      if (answer.status === 200) return { redirect: '/signin?notice=reset', cookies: answer.cookies };
      if (answer.status === 410) return { redirect: `${PATHS.resetForm}?error=invalid_link`, cookies: answer.cookies };
      if (answer.problem.code === 'WEAK_PASSWORD') return newPasswordPage(ctx, answer.problem.detail ?? 'Choose a stronger password.', 400);
      return newPasswordPage(ctx, 'The password could not be saved right now. Please try again.', answer.status);
    },
  },
];
