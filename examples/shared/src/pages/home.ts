import { PATHS } from '../example.js';
import { html } from '../html/escape.js';
import type { Route } from '../web/types.js';

export const homeRoutes: Route[] = [
  {
    method: 'GET',
    path: '/',
    access: 'public',
    handle: ({ user, app }) => ({
      title: 'Welcome',
      body: html`<h1>tokenkit example</h1>
<p class="lead">API keys, password-reset links and invitations — each mounted with one <code>app.use()</code>.</p>
<div class="card">
  <h2>Try it</h2>
  <ul class="try">
    ${
      user
        ? html`<li>Create, rotate and revoke <a href="/keys">your API keys</a>, then call <code>GET /api/me</code> with one.</li>
    ${user.role === 'admin' ? html`<li>Invite someone from the <a href="/admin/invitations">invitations page</a> and open the link in a private window.</li>` : null}`
        : html`<li><a href="/signin">Sign in</a> with the demo credentials printed in your terminal.</li>`
    }
    <li>Forgot a password? <a href="/forgot">Request a reset link</a>${app.devOutbox && html`, then open it from the <a href="/dev/outbox">outbox</a>`}.</li>
    <li>Invitation links look like <code>${PATHS.inviteBase}/inv_…</code>; they lead to the accept page.</li>
  </ul>
</div>`,
    }),
  },
];
