// The app server for the HTTP benchmark, forked by bench/http/index.mjs so the
// load generator (autocannon, in the parent) never shares a process with it.
// One route, GET /hello → {"hello":"world"}, in every variant:
//   bare          the framework alone
//   naive         + the simplest guard that could work: sha256(Authorization
//                 header) + Map.get on a prebuilt map of hashed headers, 401 on
//                 a miss — no parsing, no HMAC, no checks (the reference a real
//                 guard is held against)
//   memory        + apiKeyAuth on a MemoryStore (default options)
//   memory-10pct  + apiKeyAuth on a MemoryStore, throttle limit raised so the
//                 10% invalid keys the client sends are counted but never block
//   redis         + apiKeyAuth on a RedisStore
//   rawget        + one raw ioredis GET per request (the Redis baseline)
import * as nodeCrypto from 'node:crypto';
import http from 'node:http';
import { load, loadDependency } from '../lib/packages.mjs';
import { ioredis } from '../lib/redis.mjs';

const config = JSON.parse(process.argv[2]);
const { framework, variant, redisHost, redisPort, prefix } = config;
const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const BODY = { hello: 'world' };

const core = await load('core');
let client;
if (variant === 'redis' || variant === 'rawget') {
  const { recommendedRedisOptions } = await load('redis');
  const Redis = await ioredis();
  client = new Redis({ host: redisHost, port: redisPort, ...recommendedRedisOptions({ lazyConnect: true }) });
  await client.connect();
}

let guard;
let key;
const rawKey = `${prefix}raw`;
if (variant === 'memory' || variant === 'memory-10pct' || variant === 'redis') {
  const store =
    variant === 'redis'
      ? new (await load('redis')).RedisStore({ client, prefix })
      : new core.MemoryStore();
  const apiKeys = new core.ApiKeys({ store, secret: SECRET });
  ({ key } = await apiKeys.create({ ownerId: 'bench', name: 'http bench', scopes: ['read'] }));
  const adapter = await load(framework.startsWith('express') ? 'express' : 'koa');
  guard = adapter.apiKeyAuth({
    apiKeys,
    ...(variant === 'memory-10pct' ? { throttle: { limit: 1_000_000_000, window: '1m' } } : {}),
  });
} else if (variant === 'naive') {
  key = core.generateCredential('sk').credential;
}

// The naive guard: 1,000 keys' `Bearer <key>` headers hashed up front; per request
// one SHA-256 of the raw header and one Map.get. crypto.hash (one-shot, Node ≥ 20.12)
// where it exists, createHash otherwise.
const sha256 =
  typeof nodeCrypto.hash === 'function'
    ? (text) => nodeCrypto.hash('sha256', text, 'base64url')
    : (text) => nodeCrypto.createHash('sha256').update(text).digest('base64url');
let naiveKnown;
if (variant === 'naive') {
  naiveKnown = new Map();
  naiveKnown.set(sha256(`Bearer ${key}`), { ownerId: 'bench' });
  for (let i = 1; i < 1000; i++) naiveKnown.set(sha256(`Bearer ${core.generateCredential('sk').credential}`), { ownerId: `owner${i}` });
}

if (variant === 'rawget') {
  // A value about the size of a stored API-key record, so the baseline moves similar bytes.
  await client.set(rawKey, JSON.stringify({ id: 'x'.repeat(10), hash: 'v'.repeat(51), pad: 'p'.repeat(200) }));
}

let handler;
if (framework.startsWith('express')) {
  const express = (await loadDependency(framework)).default;
  const app = express();
  if (guard) app.get('/hello', guard, (_req, res) => res.json(BODY));
  else if (variant === 'naive') {
    const naive = (req, res, next) => {
      const header = req.headers.authorization;
      if (header === undefined || naiveKnown.get(sha256(header)) === undefined) {
        res.statusCode = 401;
        res.end();
        return;
      }
      next();
    };
    app.get('/hello', naive, (_req, res) => res.json(BODY));
  }
  else if (variant === 'rawget') {
    app.get('/hello', (_req, res, next) => {
      client.get(rawKey).then(() => res.json(BODY), next);
    });
  } else app.get('/hello', (_req, res) => res.json(BODY));
  handler = app;
} else {
  const Koa = (await loadDependency(framework)).default;
  const app = new Koa();
  if (guard) app.use(guard);
  else if (variant === 'naive') {
    const naive = (ctx, next) => {
      const header = ctx.req.headers.authorization;
      if (header === undefined || naiveKnown.get(sha256(header)) === undefined) {
        ctx.status = 401;
        return undefined;
      }
      return next();
    };
    app.use(naive);
  }
  app.use(async (ctx) => {
    if (ctx.path !== '/hello') return;
    if (variant === 'rawget') await client.get(rawKey);
    ctx.body = BODY;
  });
  handler = app.callback();
}

const server = http.createServer(handler);
server.listen(0, '127.0.0.1', () => {
  process.send({ ready: true, port: server.address().port, key, pid: process.pid });
});
process.on('message', (msg) => {
  if (msg === 'stop') {
    server.close();
    client?.disconnect();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
