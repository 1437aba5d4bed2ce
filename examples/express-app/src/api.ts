import { apiKeyAuth } from '@tokenkit/express';
import { apiCreateNote, apiListNotes, apiMe, type Example } from 'example-shared';
import express, { type Router } from 'express';
import { sendApi } from './glue.js';

/**
 * The JSON API: every route is guarded by an API key with the scope it needs.
 * `req.apiKey` is the verified key (typed by @tokenkit/express).
 */
export function apiRouter(app: Example): Router {
  const { apiKeys } = app;
  const canRead = apiKeyAuth({ apiKeys, scopes: ['read'] });
  const canWrite = apiKeyAuth({ apiKeys, scopes: ['write'] });
  const api = express.Router();
  api.get('/me', canRead, (req, res) => sendApi(res, apiMe(app, req.apiKey!)));
  api.get('/notes', canRead, (req, res) => sendApi(res, apiListNotes(app, req.apiKey!)));
  // The body is parsed after the guard: unauthenticated requests cost no parsing.
  api.post('/notes', canWrite, express.json({ limit: '16kb' }), (req, res) => sendApi(res, apiCreateNote(app, req.apiKey!, req.body)));
  api.use((_req, res) => {
    res.status(404).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, code: 'NOT_FOUND' }));
  });
  return api;
}
