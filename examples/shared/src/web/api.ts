import type { ApiKey } from '@tokenkit/core';
import type { Example } from '../example.js';

/**
 * The example's JSON API, framework-neutral: the apps guard these with
 * `apiKeyAuth({ scopes })` and pass the verified key in.
 */
export interface ApiResult {
  status: number;
  body: unknown;
  contentType: 'application/json' | 'application/problem+json';
}

function json(status: number, body: unknown): ApiResult {
  return { status, body, contentType: 'application/json' };
}

function badRequest(detail: string): ApiResult {
  return {
    status: 400,
    body: { type: 'urn:example:problem:bad-request', title: 'Bad Request', status: 400, code: 'BAD_REQUEST', detail },
    contentType: 'application/problem+json',
  };
}

function keyInfo(apiKey: ApiKey) {
  return { id: apiKey.id, start: apiKey.start, name: apiKey.name, scopes: apiKey.scopes };
}

/** GET /api/me (scope `read`): who the key belongs to. */
export function apiMe(app: Example, apiKey: ApiKey): ApiResult {
  const user = app.users.get(apiKey.ownerId);
  if (!user) return json(404, { type: 'urn:example:problem:no-user', title: 'Not Found', status: 404, code: 'NO_USER' });
  return json(200, { user: { id: user.id, email: user.email, name: user.name, role: user.role }, key: keyInfo(apiKey) });
}

/** GET /api/notes (scope `read`). */
export function apiListNotes(app: Example, apiKey: ApiKey): ApiResult {
  return json(200, { notes: app.notes.list(apiKey.ownerId) });
}

/** POST /api/notes (scope `write`) with `{ "text": "…" }`. */
export function apiCreateNote(app: Example, apiKey: ApiKey, body: unknown): ApiResult {
  const text = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['text'] : undefined;
  if (typeof text !== 'string' || text.trim() === '') return badRequest('Send a JSON body like {"text": "hello"}.');
  if (text.length > 2000) return badRequest('A note holds at most 2000 characters.');
  return json(201, { note: app.notes.add(apiKey.ownerId, text.trim()) });
}
