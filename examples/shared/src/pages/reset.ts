import { PATHS } from '../example.js';
import { html } from '../html/escape.js';
import { formError } from '../html/parts.js';
import { MIN_PASSWORD_LENGTH } from '../users.js';
import type { PageResult, Route } from '../web/types.js';

/**
 * The pages around `resetRoutes`: the forms post JSON (through /app.js) to the
 * tokenkit endpoints under PATHS.resetBase; these pages only render.
 */

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

export const resetRoutes: Route[] = [
  {
    method: 'GET',
    path: '/forgot',
    access: 'public',
    handle: () => ({
      title: 'Forgot password',
      narrow: true,
      body: html`<h1>Forgot your password?</h1>
<p class="lead">Enter your e-mail address and we will send you a link to choose a new one.</p>
<form class="card" method="post" action="${PATHS.resetBase}/request" data-api="reset-request" data-success="/forgot/sent">
  ${formError()}
  <label for="email">E-mail</label>
  <input id="email" name="email" type="email" autocomplete="email" required>
  <div class="actions"><button type="submit">Send reset link</button><a href="/signin">Back to sign in</a></div>
</form>`,
    }),
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
    handle({ req }) {
      if (req.query.get('error') === 'invalid_link') return linkInvalidPage();
      return {
        title: 'Set a new password',
        narrow: true,
        body: html`<h1>Set a new password</h1>
<p class="lead">Choose a new password of at least ${MIN_PASSWORD_LENGTH} characters. You will be signed out everywhere else.</p>
<form class="card" method="post" action="${PATHS.resetBase}/confirm" data-api="reset-confirm" data-success="/signin?notice=reset" data-gone="${PATHS.resetForm}?error=invalid_link">
  ${formError()}
  <label for="password">New password</label>
  <input id="password" name="password" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" required>
  <label for="confirm">Repeat it</label>
  <input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" required>
  <div class="actions"><button type="submit">Save new password</button></div>
</form>`,
      };
    },
  },
];
