import type { ApiKey, Duration } from '@tokenkit/core';
import { API_SCOPES } from '../example.js';
import { html } from '../html/escape.js';
import { formatTime, relativeTime } from '../html/format.js';
import { badge, csrfField, revealBox } from '../html/parts.js';
import { field, type Route, type UserContext } from '../web/types.js';

const EXPIRY_CHOICES: Record<string, Duration | undefined> = { never: undefined, '1h': '1h', '1d': '1d', '30d': '30d' };

export function keyStatus(key: ApiKey, now = Date.now()): 'active' | 'revoked' | 'expired' {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  return 'active';
}

function keyRow(key: ApiKey, csrf: string) {
  const status = keyStatus(key);
  return html`<tr data-key-id="${key.id}">
  <td>${key.name ?? '—'}</td>
  <td><code>${key.start}…</code></td>
  <td>${key.scopes.join(', ') || '—'}</td>
  <td title="${formatTime(key.createdAt)}">${relativeTime(key.createdAt)}</td>
  <td title="${formatTime(key.lastUsedAt)}" data-last-used>${relativeTime(key.lastUsedAt)}</td>
  <td title="${formatTime(key.expiresAt)}">${key.expiresAt === null ? 'never' : relativeTime(key.expiresAt)}</td>
  <td data-status>${badge(status)}</td>
  <td>${
    status === 'active'
      ? html`<form method="post" action="/keys/rotate">${csrfField(csrf)}<input type="hidden" name="id" value="${key.id}"><button class="small secondary" type="submit">Rotate</button></form><form method="post" action="/keys/revoke">${csrfField(csrf)}<input type="hidden" name="id" value="${key.id}"><button class="small danger" type="submit">Revoke</button></form>`
      : null
  }</td>
</tr>`;
}

/** The key if it belongs to the signed-in user: users must not touch each other's keys by guessing ids. */
async function ownKey(ctx: UserContext): Promise<ApiKey | null> {
  const key = await ctx.app.apiKeys.get(field(ctx.req.form, 'id', 64));
  return key && key.ownerId === ctx.user.id ? key : null;
}

export const keyRoutes: Route[] = [
  {
    method: 'GET',
    path: '/keys',
    access: 'user',
    async handle(ctx) {
      const { user } = ctx as UserContext;
      const keys = await ctx.app.apiKeys.list({ ownerId: user.id });
      const reveal = ctx.takeReveal();
      return {
        title: 'API keys',
        body: html`<h1>API keys</h1>
<p class="lead">Keys let scripts call the JSON API as you. The full key is shown once; we store only a keyed hash.</p>
${revealBox(reveal)}
<div class="card">
  <h2>Your keys</h2>
  ${
    keys.length === 0
      ? html`<p class="empty">No keys yet.</p>`
      : html`<table><thead><tr><th>Name</th><th>Key</th><th>Scopes</th><th>Created</th><th>Last used</th><th>Expires</th><th>Status</th><th></th></tr></thead>
  <tbody>${keys.map((key) => keyRow(key, ctx.csrf))}</tbody></table>`
  }
  <p class="muted">Try one: <code>curl -H "Authorization: Bearer sk_…" ${ctx.app.baseUrl}/api/me</code></p>
</div>
<form class="card" method="post" action="/keys">
  <h2>Create a key</h2>
  ${csrfField(ctx.csrf)}
  <div class="row">
    <div><label for="name">Name</label><input id="name" name="name" type="text" maxlength="60" placeholder="e.g. deploy script" required></div>
    <div><label for="expires">Expires</label><select id="expires" name="expires">
      <option value="never">Never</option><option value="1h">In 1 hour</option><option value="1d">In 1 day</option><option value="30d" selected>In 30 days</option>
    </select></div>
  </div>
  <label>Scopes</label>
  ${API_SCOPES.map((scope) => html`<label class="inline"><input type="checkbox" name="scope_${scope}" value="1" ${scope === 'read' ? 'checked' : ''}> ${scope}</label>`)}
  <div class="actions"><button type="submit">Create key</button></div>
</form>`,
      };
    },
  },
  {
    method: 'POST',
    path: '/keys',
    access: 'user',
    async handle(ctx) {
      const { user } = ctx as UserContext;
      const name = field(ctx.req.form, 'name', 60).trim() || 'unnamed key';
      const scopes = API_SCOPES.filter((scope) => ctx.req.form[`scope_${scope}`] === '1');
      const expiresIn = EXPIRY_CHOICES[field(ctx.req.form, 'expires', 10)];
      const { key } = await ctx.app.apiKeys.create({ ownerId: user.id, name, scopes, ...(expiresIn ? { expiresIn } : {}) });
      ctx.session.reveal = { title: `New API key “${name}”`, value: key, note: 'Copy it now: it is shown only this once.' };
      return { redirect: '/keys' };
    },
  },
  {
    method: 'POST',
    path: '/keys/revoke',
    access: 'user',
    async handle(ctx) {
      const key = await ownKey(ctx as UserContext);
      if (key) {
        await ctx.app.apiKeys.revoke(key.id);
        ctx.flash('ok', `Revoked ${key.start}… — requests with it now get 401.`);
      } else ctx.flash('error', 'No such key.');
      return { redirect: '/keys' };
    },
  },
  {
    method: 'POST',
    path: '/keys/rotate',
    access: 'user',
    async handle(ctx) {
      const key = await ownKey(ctx as UserContext);
      const rotated = key ? await ctx.app.apiKeys.rotate(key.id) : null;
      if (key && rotated) {
        ctx.session.reveal = {
          title: `Rotated “${key.name ?? key.start}”`,
          value: rotated.key,
          note: `The old key ${key.start}… stopped working. Copy the new one now: it is shown only this once.`,
        };
      } else ctx.flash('error', 'That key cannot be rotated (unknown, revoked or expired).');
      return { redirect: '/keys' };
    },
  },
];
