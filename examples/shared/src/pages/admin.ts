import type { Invitation } from '@tokenkit/core';
import { PATHS, ROLES } from '../example.js';
import { html } from '../html/escape.js';
import { formatTime, relativeTime } from '../html/format.js';
import { badge, csrfField, revealBox } from '../html/parts.js';
import { field, type Route, type UserContext } from '../web/types.js';
import { sendInvitationEmail } from './emails.js';

const EXPIRY_CHOICES = ['1h', '1d', '7d'] as const;

function inviteRow(invite: Invitation, csrf: string) {
  return html`<tr data-invite-id="${invite.id}">
  <td data-label="Id"><code>${invite.id.slice(0, 6)}…</code></td>
  <td data-label="Role">${badge(invite.role)}</td>
  <td data-label="Uses">${invite.uses} / ${invite.maxUses}</td>
  <td data-label="For">${invite.email ?? 'anyone'}</td>
  <td data-label="Created" title="${formatTime(invite.createdAt)}">${relativeTime(invite.createdAt)}</td>
  <td data-label="Expires" title="${formatTime(invite.expiresAt)}">${relativeTime(invite.expiresAt)}</td>
  <td data-label="Status" data-status>${badge(invite.status)}</td>
  <td>${
    invite.status === 'active'
      ? html`<form method="post" action="/admin/invitations/revoke">${csrfField(csrf)}<input type="hidden" name="id" value="${invite.id}"><button class="small danger" type="submit">Revoke</button></form>`
      : null
  }</td>
</tr>`;
}

export const adminRoutes: Route[] = [
  {
    method: 'GET',
    path: '/admin/invitations',
    access: 'admin',
    async handle(ctx) {
      const [invites, stats] = await Promise.all([ctx.app.invites.list(), ctx.app.invites.stats()]);
      invites.sort((a, b) => b.createdAt - a.createdAt);
      return {
        title: 'Invitations',
        body: html`<h1>Invitations</h1>
<p class="lead">Invite people with a role. Links are single- or multi-use, expire, and can be bound to one e-mail address.</p>
${revealBox(ctx.takeReveal())}
<form class="card" method="post" action="/admin/invitations">
  <h2>New invitation</h2>
  ${csrfField(ctx.csrf)}
  <div class="row">
    <div><label for="role">Role</label><select id="role" name="role">${ROLES.map((role) => html`<option value="${role}">${role}</option>`)}</select></div>
    <div><label for="maxUses">Uses</label><input id="maxUses" name="maxUses" type="number" min="1" max="100" value="1"></div>
    <div><label for="expires">Expires in</label><select id="expires" name="expires"><option value="1h">1 hour</option><option value="1d">1 day</option><option value="7d" selected>7 days</option></select></div>
  </div>
  <label for="email">Only for this e-mail <span class="muted">(optional — also sends the link to the outbox)</span></label>
  <input id="email" name="email" type="email" placeholder="new.colleague@example.com">
  <div class="actions"><button type="submit">Create invitation</button></div>
</form>
<div class="card">
  <h2>All invitations</h2>
  <div class="stats">
    <div><b>${stats.active}</b>active</div><div><b>${stats.exhausted}</b>used up</div>
    <div><b>${stats.expired}</b>expired</div><div><b>${stats.revoked}</b>revoked</div><div><b>${stats.total}</b>total</div>
  </div>
  ${
    invites.length === 0
      ? html`<p class="empty">No invitations yet.</p>`
      : html`<table class="stack"><thead><tr><th>Id</th><th>Role</th><th>Uses</th><th>For</th><th>Created</th><th>Expires</th><th>Status</th><th></th></tr></thead>
  <tbody>${invites.map((invite) => inviteRow(invite, ctx.csrf))}</tbody></table>`
  }
</div>`,
      };
    },
  },
  {
    method: 'POST',
    path: '/admin/invitations',
    access: 'admin',
    async handle(ctx) {
      const { user, req, app } = ctx as UserContext;
      const role = ROLES.find((r) => r === field(req.form, 'role')) ?? 'member';
      const maxUses = Math.min(100, Math.max(1, Math.trunc(Number(field(req.form, 'maxUses', 5))) || 1));
      const expiresIn = EXPIRY_CHOICES.find((e) => e === field(req.form, 'expires')) ?? '7d';
      const email = field(req.form, 'email', 320).trim();
      if (email && !/^[^\s@]+@[^\s@]+$/.test(email)) {
        ctx.flash('error', 'That e-mail address does not look right.');
        return { redirect: '/admin/invitations' };
      }
      const { code, invitation } = await app.invites.create({ createdBy: user.id, role, maxUses, expiresIn, ...(email ? { email } : {}) });
      const link = `${app.baseUrl}${PATHS.inviteBase}/${code}`;
      if (email) sendInvitationEmail(app, { to: email, inviter: user, link, invitation });
      ctx.reveal({
        title: `Invitation link (${role}, ${maxUses === 1 ? 'single use' : `${maxUses} uses`})`,
        value: link,
        note: email
          ? `Sent to ${email} (see the outbox). Only that address can accept it. This link is shown only once.`
          : 'Share it with the people you invite. It is shown only this once.',
      });
      return { redirect: '/admin/invitations' };
    },
  },
  {
    method: 'POST',
    path: '/admin/invitations/revoke',
    access: 'admin',
    async handle(ctx) {
      const revoked = await ctx.app.invites.revoke(field(ctx.req.form, 'id', 64));
      ctx.flash(revoked ? 'ok' : 'error', revoked ? 'Invitation revoked.' : 'No such invitation.');
      return { redirect: '/admin/invitations' };
    },
  },
];
