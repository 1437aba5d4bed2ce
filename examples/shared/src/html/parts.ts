import type { Reveal } from '../sessions.js';
import { type Html, html } from './escape.js';

/** Hidden CSRF field every POST form carries. */
export function csrfField(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

/** A one-time secret (new API key, invitation link) with the warning that it will not be shown again. */
export function revealBox(reveal: Reveal | null): Html | null {
  if (!reveal) return null;
  return html`<div class="card" data-reveal>
  <h2>${reveal.title}</h2>
  <code class="secret" data-secret>${reveal.value}</code>
  <p class="muted">${reveal.note}</p>
</div>`;
}

export function badge(text: string): Html {
  return html`<span class="badge ${text}">${text}</span>`;
}

/** Inline error slot /app.js fills when it catches a mistake before submitting. */
export function formError(): Html {
  return html`<p class="flash error" data-error hidden></p>`;
}
