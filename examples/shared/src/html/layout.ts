import type { Flash } from '../sessions.js';
import type { User } from '../users.js';
import { type Html, html } from './escape.js';

export interface LayoutInput {
  title: string;
  body: Html;
  user: User | null;
  /** CSRF token for the sign-out form in the header. */
  csrf: string;
  flash?: Flash | null;
  /** Narrow column for single-form pages (sign in, reset). */
  narrow?: boolean;
  /** Path of the current page, to highlight its nav link. */
  path?: string;
  /** Link the dev outbox (off in production). */
  devOutbox: boolean;
}

function navLink(href: string, label: string, current: string | undefined): Html {
  return html`<a href="${href}" class="${current === href ? 'active' : ''}">${label}</a>`;
}

export function layout(input: LayoutInput): string {
  const { user, path } = input;
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${input.title} · tokenkit example</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/style.css">
<script src="/app.js" defer></script>
</head>
<body>
${input.devOutbox && html`<div class="dev-banner">Demo app — e-mails are not sent, they land in the <a href="/dev/outbox">dev outbox</a>.</div>`}
<header class="top"><div class="bar">
  <a class="logo" href="/">token<span>kit</span> example</a>
  <nav>
    ${user && navLink('/keys', 'API keys', path)}
    ${user?.role === 'admin' && navLink('/admin/invitations', 'Invitations', path)}
    ${input.devOutbox && navLink('/dev/outbox', 'Outbox', path)}
  </nav>
  <div class="who">${
    user
      ? html`<span>${user.email} · <span class="badge ${user.role}">${user.role}</span></span>
    <form method="post" action="/signout"><input type="hidden" name="_csrf" value="${input.csrf}"><button type="submit">Sign out</button></form>`
      : html`<a href="/signin">Sign in</a>`
  }</div>
</div></header>
<main class="${input.narrow ? 'narrow' : ''}">
${input.flash && html`<div class="flash ${input.flash.kind}" role="status">${input.flash.text}</div>`}
${input.body}
</main>
</body>
</html>`;
  return doc.value;
}
