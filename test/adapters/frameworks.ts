import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import * as tkExpress from '@tokenkit/express';
import * as tkKoa from '@tokenkit/koa';
import type { Fixture } from './fixture.js';

const require = createRequire(import.meta.url);

// Framework types come through the adapters' own signatures, so this file
// needs neither @types/express nor @types/koa at the root.
type ExpressHandler = ReturnType<typeof tkExpress.apiKeyAuth>;
type ExpressReq = Parameters<ExpressHandler>[0];
type ExpressRes = Parameters<ExpressHandler>[1];
type KoaMiddleware = ReturnType<typeof tkKoa.apiKeyAuth>;
type KoaCtx = Parameters<KoaMiddleware>[0];
type RejectMode = Fixture['options']['reject'];

/** The fixture's `reject` mode as Express's `onReject`. */
function expressReject(mode: RejectMode): tkExpress.ExpressRejectHandler | undefined {
  switch (mode) {
    case 'respond':
      return (rejection, req, res) => {
        res.status(rejection.status).set(rejection.headers).json({ error: rejection.code, path: req.baseUrl + req.path });
      };
    case 'next':
      return (rejection, _req, _res, next) => next(new Error(`rejected ${rejection.code}`));
    case 'throw':
      return async (rejection) => {
        await Promise.resolve();
        throw new Error(`rejected ${rejection.code}`);
      };
    default:
      return undefined;
  }
}

/** The fixture's `reject` mode as Koa's `onReject`. */
function koaReject(mode: RejectMode): tkKoa.KoaRejectHandler | undefined {
  switch (mode) {
    case 'respond':
      return (rejection, ctx) => {
        ctx.status = rejection.status;
        ctx.set(rejection.headers);
        ctx.body = { error: rejection.code, path: ctx.path };
      };
    case 'next':
      return (rejection, ctx) => ctx.throw(rejection.status, `rejected ${rejection.code}`, { headers: rejection.headers });
    case 'throw':
      return async (rejection) => {
        await Promise.resolve();
        throw new Error(`rejected ${rejection.code}`);
      };
    default:
      return undefined;
  }
}

interface ExpressApp {
  (req: IncomingMessage, res: ServerResponse): void;
  use(...handlers: unknown[]): unknown;
  get(path: string, ...handlers: unknown[]): unknown;
  set(name: string, value: unknown): unknown;
}
interface ExpressModule {
  (): ExpressApp;
  json(): ExpressHandler;
  urlencoded(options: { extended: boolean }): ExpressHandler;
}
interface KoaApp {
  proxy: boolean;
  silent: boolean;
  use(middleware: KoaMiddleware): KoaApp;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
}
type KoaModule = new () => KoaApp;

/** A server under test on 127.0.0.1. */
export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** One framework of the matrix. */
export interface Framework {
  name: 'express4' | 'express5' | 'koa2' | 'koa3';
  start(fixture: Fixture): Promise<RunningServer>;
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<RunningServer> {
  const server = createServer(handler);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

function expressFramework(name: 'express4' | 'express5'): Framework {
  return {
    name,
    start(fixture) {
      const express = require(name) as ExpressModule;
      const app = express();
      app.set('trust proxy', true); // tests simulate client IPs with X-Forwarded-For
      if (fixture.options.preparsed) app.use(express.json(), express.urlencoded({ extended: false }));
      const owner = (req: ExpressReq, res: ExpressRes) => {
        res.json({ ownerId: req.apiKey?.ownerId ?? null, anonymous: req.apiKey === undefined });
      };
      const onReject = expressReject(fixture.options.reject);
      const auth = { ...fixture.auth, onReject };
      app.get('/api/data', tkExpress.apiKeyAuth(auth), owner);
      app.get('/api/admin', tkExpress.apiKeyAuth({ ...auth, scopes: ['admin'] }), owner);
      app.get('/api/optional', tkExpress.apiKeyAuth({ ...auth, optional: true }), owner);
      app.get('/api/sources', tkExpress.apiKeyAuth({ ...auth, from: ['cookie:api_key', 'query:api_key'] }), owner);
      const custom = (req: ExpressReq) => req.get('x-custom-key');
      app.get('/api/custom', tkExpress.apiKeyAuth({ ...auth, from: [custom, 'authorization:Api-Key', 'authorization:token'] }), owner);
      app.get('/api/quiet', tkExpress.apiKeyAuth({ ...auth, standardHeaders: false }), owner);
      app.use('/auth/reset', tkExpress.resetRoutes({ ...fixture.reset, onReject }));
      app.use(
        '/invitations',
        tkExpress.invitationRoutes({
          invites: fixture.invites,
          onReject,
          acceptPath: '/join',
          cookie: { secure: false },
          getUser: (req) => fixture.userFrom(req.headers['x-user']),
          onAccepted: (accepted) => {
            if (fixture.options.failOnAccepted) throw new Error('grant failed');
            fixture.accepted.push(accepted);
          },
        }),
      );
      // The app's own error handler: errors thrown by app callbacks must arrive here.
      app.use((err: Error, _req: ExpressReq, res: ExpressRes, _next: () => void) => {
        res.statusCode = 500;
        res.setHeader('x-app-error', err.message);
        res.end();
      });
      return listen(app);
    },
  };
}

/** What a Koa app without a router looks like: one middleware per path. */
function at(path: string, guard: KoaMiddleware): KoaMiddleware {
  return async (ctx, next) => {
    if (ctx.path !== path) return next();
    await guard(ctx, async () => {
      ctx.body = { ownerId: ctx.state.apiKey?.ownerId ?? null, anonymous: ctx.state.apiKey === undefined };
    });
  };
}

/** Like koa-bodyparser's form parser (qs): a repeated field becomes an array. */
function parseForm(text: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const previous = fields[key];
    fields[key] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return fields;
}

/** A stand-in for koa-bodyparser: parses JSON and forms into ctx.request.body. */
const koaBodyParser: KoaMiddleware = async (ctx, next) => {
  const type = ctx.get('content-type');
  if (ctx.method === 'POST' && (type.startsWith('application/json') || type.startsWith('application/x-www-form-urlencoded'))) {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const request = ctx.request as KoaCtx['request'] & { body?: unknown };
    try {
      request.body = type.startsWith('application/json') ? JSON.parse(text || '{}') : parseForm(text);
    } catch {
      ctx.status = 400;
      ctx.body = 'bad body';
      return;
    }
  }
  await next();
};

function koaFramework(name: 'koa2' | 'koa3'): Framework {
  return {
    name,
    start(fixture) {
      const Koa = require(name) as KoaModule;
      const app = new Koa();
      app.proxy = true; // tests simulate client IPs with X-Forwarded-For
      app.silent = true;
      // The app's own error handler: errors thrown by app callbacks must arrive here.
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (err) {
          ctx.status = 500;
          ctx.set('x-app-error', (err as Error).message);
        }
      });
      if (fixture.options.preparsed) app.use(koaBodyParser);
      const onReject = koaReject(fixture.options.reject);
      const auth = { ...fixture.auth, onReject };
      app.use(at('/api/data', tkKoa.apiKeyAuth(auth)));
      app.use(at('/api/admin', tkKoa.apiKeyAuth({ ...auth, scopes: ['admin'] })));
      app.use(at('/api/optional', tkKoa.apiKeyAuth({ ...auth, optional: true })));
      app.use(at('/api/sources', tkKoa.apiKeyAuth({ ...auth, from: ['cookie:api_key', 'query:api_key'] })));
      const custom = (ctx: KoaCtx) => ctx.get('x-custom-key') || undefined;
      app.use(at('/api/custom', tkKoa.apiKeyAuth({ ...auth, from: [custom, 'authorization:Api-Key', 'authorization:token'] })));
      app.use(at('/api/quiet', tkKoa.apiKeyAuth({ ...auth, standardHeaders: false })));
      app.use(tkKoa.resetRoutes({ ...fixture.reset, onReject })); // base defaults to baseUrl's path: /auth/reset
      app.use(
        tkKoa.invitationRoutes({
          invites: fixture.invites,
          onReject,
          base: '/invitations',
          acceptPath: '/join',
          cookie: { secure: false },
          getUser: (ctx) => fixture.userFrom(ctx.get('x-user') || undefined),
          onAccepted: (accepted) => {
            if (fixture.options.failOnAccepted) throw new Error('grant failed');
            fixture.accepted.push(accepted);
          },
        }),
      );
      return listen(app.callback());
    },
  };
}

/** The adapter matrix: every suite runs once per entry. */
export const FRAMEWORKS: readonly Framework[] = [
  expressFramework('express4'),
  expressFramework('express5'),
  koaFramework('koa2'),
  koaFramework('koa3'),
];
