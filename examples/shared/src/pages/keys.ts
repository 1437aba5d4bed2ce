import type { ApiKey, Duration, StoredRecord } from '@tokenkit/core';
import { API_SCOPES } from '../example.js';
import { html } from '../html/escape.js';
import { formatTime, relativeTime } from '../html/format.js';
import { badge, csrfField, formError, revealBox } from '../html/parts.js';
import { field, type Route, type UserContext } from '../web/types.js';

const EXPIRY_CHOICES: Record<string, Duration | undefined> = { never: undefined, '1h': '1h', '1d': '1d', '30d': '30d' };

export type KeyStatus = 'active' | 'revoked' | 'expired' | 'rotated';

/**
 * What the page remembers about a rotation, in the tokenkit store next to the
 * keys (so it survives restarts on Redis like the keys do). Keyed by the id
 * that was rotated; `newId` is the id `rotate()` returned.
 */
interface RotationNote extends StoredRecord {
  newId: string;
  rotatedAt: number;
}
const ROTATION_NS = 'app:rotated';
/** The library keeps revoked/expired keys readable for 7 days; the notes need not outlive them. */
const ROTATION_NOTE_TTL_MS = 8 * 24 * 60 * 60 * 1000;

/**
 * The status to show. Driven by the ids `rotate()` returns, so it is right
 * both when a rotation issues a new key (the old row says "rotated", not
 * "expired") and when it keeps the id with a new secret (the row stays active).
 */
export function keyStatus(key: ApiKey, rotation: RotationNote | null, now = Date.now()): KeyStatus {
  if (key.revokedAt !== null) return 'revoked';
  if (rotation && rotation.newId !== key.id) return 'rotated';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  return 'active';
}

/** The Expires cell: a revoked or replaced key has no expiry left to wait for. */
function expiresCell(key: ApiKey, status: KeyStatus, now = Date.now()) {
  if (status === 'revoked') return html`<td data-label="Expires" data-expires>—</td>`;
  if (status === 'rotated') {
    return key.expiresAt !== null && key.expiresAt > now
      ? html`<td data-label="Expires" data-expires title="${formatTime(key.expiresAt)}">old key works until ${relativeTime(key.expiresAt, now)}</td>`
      : html`<td data-label="Expires" data-expires>—</td>`;
  }
  return html`<td data-label="Expires" data-expires title="${formatTime(key.expiresAt)}">${key.expiresAt === null ? 'never' : relativeTime(key.expiresAt, now)}</td>`;
}

function keyRow(key: ApiKey, rotation: RotationNote | null, csrf: string) {
  const status = keyStatus(key, rotation);
  return html`<tr data-key-id="${key.id}">
  <td data-label="Name">${key.name ?? '—'}${
    rotation && rotation.newId === key.id ? html` <span class="muted">(rotated ${relativeTime(rotation.rotatedAt)})</span>` : null
  }</td>
  <td data-label="Key"><code>${key.start}…</code></td>
  <td data-label="Scopes">${key.scopes.join(', ') || '—'}</td>
  <td data-label="Created" title="${formatTime(key.createdAt)}">${relativeTime(key.createdAt)}</td>
  <td data-label="Last used" title="${formatTime(key.lastUsedAt)}" data-last-used>${relativeTime(key.lastUsedAt)}</td>
  ${expiresCell(key, status)}
  <td data-label="Status" data-status>${badge(status)}</td>
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
      const rotations = await Promise.all(keys.map((key) => ctx.app.store.get<RotationNote>(ROTATION_NS, key.id)));
      const reveal = ctx.takeReveal();
      // Right after a key was shown, the example uses it: copy, paste, done.
      const exampleKey = reveal?.value ?? 'sk_…';
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
      : html`<table class="stack"><thead><tr><th>Name</th><th>Key</th><th>Scopes</th><th>Created</th><th>Last used</th><th>Expires</th><th>Status</th><th></th></tr></thead>
  <tbody>${keys.map((key, i) => keyRow(key, rotations[i] ?? null, ctx.csrf))}</tbody></table>`
  }
  <p class="muted">Try ${reveal ? 'it' : 'one'}: <code data-try>curl -H "Authorization: Bearer ${exampleKey}" ${ctx.app.baseUrl}/api/me</code></p>
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
  <label>Scopes <span class="muted">(at least one: every API route needs one)</span></label>
  ${API_SCOPES.map((scope) => html`<label class="inline"><input type="checkbox" name="scope_${scope}" value="1" data-scope ${scope === 'read' ? 'checked' : ''}> ${scope}</label>`)}
  ${formError()}
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
      // A key without a scope is refused (403) by every API route: creating one only confuses.
      if (scopes.length === 0) {
        ctx.flash('error', 'Choose at least one scope: a key without scopes cannot call any API route.');
        return { redirect: '/keys' };
      }
      const { key } = await ctx.app.apiKeys.create({ ownerId: user.id, name, scopes, ...(expiresIn ? { expiresIn } : {}) });
      ctx.reveal({ title: `New API key “${name}”`, value: key, note: 'Copy it now: it is shown only this once.' });
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
        const note: RotationNote = { id: key.id, hash: '', expiresAt: null, newId: rotated.apiKey.id, rotatedAt: Date.now() };
        await ctx.app.store.put(ROTATION_NS, note, { ttlMs: ROTATION_NOTE_TTL_MS });
        ctx.reveal({
          title: `Rotated “${key.name ?? key.start}”`,
          value: rotated.key,
          note: `${oldKeyNote(key, await ctx.app.apiKeys.get(key.id), rotated.apiKey)} Copy the new one now: it is shown only this once.`,
        });
      } else ctx.flash('error', 'That key cannot be rotated (unknown, revoked or expired).');
      return { redirect: '/keys' };
    },
  },
];

/** What happened to the old credential, read back from the library rather than assumed. */
function oldKeyNote(before: ApiKey, after: ApiKey | null, replacement: ApiKey): string {
  if (replacement.id === before.id) return `The key keeps its id ${before.start}…; its previous secret stops working when the rotation's grace period ends.`;
  const until = after?.expiresAt;
  if (after?.revokedAt === null && until && until > Date.now()) return `The old key ${before.start}… keeps working until ${formatTime(until)}.`;
  return `The old key ${before.start}… stopped working.`;
}
