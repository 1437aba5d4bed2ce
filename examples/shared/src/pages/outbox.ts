import { html } from '../html/escape.js';
import { formatTime } from '../html/format.js';
import type { Email } from '../outbox.js';
import { isLoopback } from '../web/loopback.js';
import type { Route } from '../web/types.js';

function mail(email: Email) {
  return html`<article class="mail" data-email-id="${email.id}">
  <div class="head"><div><b>To</b>${email.to}</div><div><b>Subject</b><span data-subject>${email.subject}</span></div><div><b>Sent</b>${formatTime(email.sentAt)}</div></div>
  <pre>${email.text}</pre>
  ${email.links.length > 0 && html`<div class="links">${email.links.map((link) => html`<a class="button" href="${link}" rel="noreferrer">Open link</a> `)}</div>`}
</article>`;
}

export const outboxRoutes: Route[] = [
  {
    method: 'GET',
    path: '/dev/outbox',
    access: 'public',
    handle({ app, req }) {
      // The outbox shows live reset links: whoever reads it can take over accounts. It is for
      // the developer at this machine only, also when the app listens on 0.0.0.0 (HOST).
      if (!isLoopback(req.remoteAddress)) {
        return {
          status: 403,
          title: 'Outbox: this machine only',
          narrow: true,
          body: html`<div class="card"><h1>The dev outbox is only served to this machine</h1><p>Open it on the computer the app runs on (localhost).</p></div>`,
        };
      }
      const emails = app.outbox.list();
      return {
        title: 'Outbox',
        body: html`<h1>Dev outbox</h1>
<p class="lead">The e-mails this app would have sent, newest first. In production they would go to your mail provider, and this page would not exist.</p>
${emails.length === 0 ? html`<div class="card"><p class="empty">Nothing sent yet. Try <a href="/forgot">forgot password</a>.</p></div>` : emails.map(mail)}`,
      };
    },
  },
];
