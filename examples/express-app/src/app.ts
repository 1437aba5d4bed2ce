import { invitationRoutes, resetRoutes } from '@tokenkit/express';
import { ASSETS, dispatch, type Example, PATHS, pageRoutes, renderStandalone, SECURITY_HEADERS, tokenkitHooks } from 'example-shared';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { apiRouter } from './api.js';
import { sendWeb, toWebRequest } from './glue.js';

/**
 * The Express app: tokenkit's three flows, each mounted with one `app.use()`,
 * around the shared pages (sign in, API keys, invitations, outbox).
 */
export function createApp(app: Example): Express {
  const web = express();
  web.disable('x-powered-by');
  web.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  for (const [path, asset] of Object.entries(ASSETS)) {
    web.get(path, (_req, res) => {
      res.type(asset.contentType).set('cache-control', 'public, max-age=300').send(asset.body);
    });
  }

  // tokenkit: password reset and invitations (the API-key guard is in api.ts).
  const hooks = tokenkitHooks(app);
  web.use(PATHS.resetBase, resetRoutes(hooks.reset));
  web.use(
    PATHS.inviteBase,
    invitationRoutes({ ...hooks.invitation, getUser: (req) => hooks.userFromCookieHeader(req.headers.cookie) }),
  );
  web.use('/api', apiRouter(app));

  // The HTML pages, from the framework-neutral route table.
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  for (const route of pageRoutes({ devOutbox: app.devOutbox })) {
    const handler = async (req: express.Request, res: express.Response) => sendWeb(res, await dispatch(app, route, toWebRequest(req)));
    if (route.method === 'GET') web.get(route.path, handler);
    else web.post(route.path, form, handler);
  }

  web.use((req, res) => sendWeb(res, renderStandalone(app, req.headers.cookie, 404, 'Page not found', 'There is nothing at this address.')));
  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    // Body-parser errors carry a 4xx status (bad JSON, too large); anything else is our bug.
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) console.error(err);
    if (res.headersSent) return void res.end();
    if (req.path.startsWith('/api/')) {
      const title = status === 500 ? 'Internal Server Error' : 'Bad Request';
      return void res.status(status).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title, status, code: status === 500 ? 'INTERNAL' : 'BAD_REQUEST' }));
    }
    sendWeb(res, renderStandalone(app, req.headers.cookie, status, status === 500 ? 'Something went wrong' : 'Bad request', status === 500 ? 'Please try again.' : 'The request could not be read.'));
  };
  web.use(onError);
  return web;
}
