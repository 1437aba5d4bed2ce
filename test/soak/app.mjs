// One soak app server: a minimal Express 4 app with all three flows on a
// shared RedisStore (or PostgresStore in the Postgres phase), plus small admin JSON endpoints (guarded by a shared
// admin token) through which the load generator issues and revokes
// credentials. Runs the BUILT packages (packages/*/dist), as an installed app
// would. Started by run.mjs with `fork(app.mjs, [JSON config])`; reports
// { ready: port } over IPC and exits when the runner goes away.
import { once } from 'node:events';
import express from 'express4';
import { Cluster, Redis } from 'ioredis';
import {
  ApiKeys,
  Invitations,
  isStoreUnavailableError,
  ResetTokens,
  safeEqual,
} from '../../packages/core/dist/index.js';
import { apiKeyAuth, invitationRoutes, resetRoutes } from '../../packages/express/dist/index.js';
import { RedisStore, recommendedClusterOptions, recommendedRedisOptions } from '../../packages/redis/dist/index.js';

const config = JSON.parse(process.argv[2]);
// The runner owns this process: when it disappears (even SIGKILLed), so do we.
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', (err) => {
  console.error(`[app ${config.name}] uncaught exception:`, err);
  process.exit(70);
});
process.on('unhandledRejection', (err) => {
  console.error(`[app ${config.name}] unhandled rejection:`, err);
  process.exit(71);
});

let client;
let store;
if (config.postgres) {
  // The Postgres phase: a PostgresStore on the app's own pool; every app migrates at start-up (at the same
  // moment: migrate() serialises itself with an advisory lock).
  const { default: pg } = await import('pg');
  const { PostgresStore } = await import('../../packages/postgres/dist/index.js');
  client = new pg.Pool({ connectionString: config.postgres.url, max: 10, application_name: `soak-${config.name}` });
  client.on('error', () => {
    // An idle connection died (restart, pg_terminate_backend): the pool opens a new one on the next query.
  });
  store = new PostgresStore({ pool: client, schema: config.postgres.schema, timeout: config.storeTimeoutMs, sweepIntervalMs: 10_000 });
  await store.migrate();
  client.quit = () => client.end();
} else {
  client =
    config.redis.mode === 'cluster'
      ? new Cluster(config.redis.nodes, recommendedClusterOptions())
      : new Redis(config.redis.url, recommendedRedisOptions());
  client.on('error', () => {
    // Connection errors surface as StoreUnavailableError (503) on the requests that hit them.
  });
  if (client.status !== 'ready') await once(client, 'ready');

  store = new RedisStore({
    client,
    prefix: config.prefix,
    timeout: config.storeTimeoutMs,
    ...(config.waitForReplicas ? { waitForReplicas: config.waitForReplicas } : {}),
  });
}
const secret = config.secret;
const apiKeys = new ApiKeys({ store, secret });
const resets = new ResetTokens({ store, secret, ttl: '1h' });
const invites = new Invitations({ store, secret, ttl: '1h' });
/** Errors the flows report through onError (e.g. revokeAll after a consume during an outage). */
let flowErrors = 0;

const app = express();
// The load generator spreads its requests over many client addresses with
// X-Forwarded-For (it is the "proxy" on loopback), so per-IP throttles count
// per simulated client as they would behind a real load balancer.
app.set('trust proxy', 'loopback');
app.use('/admin', express.json());

app.get('/api/data', apiKeyAuth({ apiKeys, scopes: ['read'], throttle: { limit: 60, window: '1m' } }), (req, res) => {
  res.json({ ok: true, owner: req.apiKey.ownerId, server: config.name });
});

app.use(
  '/auth/reset',
  resetRoutes({
    resets,
    baseUrl: `http://127.0.0.1:${config.port}/auth/reset`,
    cookie: { secure: false },
    // Reset users are created by the admin endpoint; any `<id>@soak.test` address is one of them.
    findUserByEmail: (email) => (email.endsWith('@soak.test') ? { id: email.slice(0, -'@soak.test'.length), email } : null),
    sendResetEmail: async () => {},
    setPassword: async () => {},
    validatePassword: (password) => password.length >= 12 || 'Use at least 12 characters.',
    ipLimit: { limit: 100, window: '1m' },
    onError: () => {
      flowErrors++;
    },
  }),
);

app.use(
  '/invitations',
  invitationRoutes({
    invites,
    cookie: { secure: false },
    getUser: (req) => (req.get('x-user') ? { id: req.get('x-user') } : null),
  }),
);

// Admin endpoints: the load generator's back door to issue credentials it then uses through the public routes.
const admin = express.Router();
/** Express 4 does not catch rejected promises of async handlers: hand them to the error handler. */
const wrap = (handler) => (req, res, next) => handler(req, res).catch(next);
admin.use((req, res, next) => {
  const token = req.get('x-admin-token') ?? '';
  if (!safeEqual(token, config.adminToken)) return res.status(403).json({ error: 'forbidden' });
  next();
});
admin.post('/keys', wrap(async (req, res) => {
  const { ownerId, expiresInMs } = req.body;
  const { key, apiKey } = await apiKeys.create({
    ownerId,
    scopes: ['read'],
    ...(expiresInMs ? { expiresIn: expiresInMs } : {}),
  });
  res.status(201).json({ key, id: apiKey.id, expiresAt: apiKey.expiresAt });
}));
admin.post('/keys/:id/revoke', wrap(async (req, res) => {
  res.json({ revoked: Boolean(await apiKeys.revoke(req.params.id)) });
}));
admin.post('/resets', wrap(async (req, res) => {
  const { token, reset } = await resets.issue(req.body.userId);
  res.status(201).json({ token, expiresAt: reset.expiresAt });
}));
admin.post('/invites', wrap(async (req, res) => {
  const { code, invitation } = await invites.create({ createdBy: 'soak-admin', maxUses: req.body.maxUses });
  res.status(201).json({ code, id: invitation.id, maxUses: invitation.maxUses });
}));
admin.get('/invites/:id', wrap(async (req, res) => {
  const invitation = await invites.get(req.params.id);
  if (!invitation) return res.status(404).json({ error: 'not found' });
  res.json({ uses: invitation.uses, maxUses: invitation.maxUses, status: invitation.status });
}));
admin.get('/mem', (_req, res) => {
  // After a full GC, heapUsed is what the process really holds on to.
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  res.json({ pid: process.pid, rss, heapUsed, flowErrors });
});
app.use('/admin', admin);

// Store failures in admin handlers fail closed like the flows: 503 + Retry-After. Anything else is a bug (500).
app.use((err, _req, res, _next) => {
  if (isStoreUnavailableError(err)) {
    res.set('retry-after', String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
    return res.status(503).json({ error: 'STORE_UNAVAILABLE' });
  }
  console.error(`[app ${config.name}] 500:`, err);
  res.status(500).json({ error: 'internal' });
});

const server = app.listen(config.port, '127.0.0.1', () => process.send?.({ ready: config.port }));
server.keepAliveTimeout = 30_000;

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  Promise.allSettled([store.close(), client.quit()]).finally(() => process.exit(0));
});
