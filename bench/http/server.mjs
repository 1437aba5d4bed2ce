// The app server for the HTTP benchmark, forked by bench/http/index.mjs so the
// load generator (autocannon, in the parent) never shares a process with it.
// One route, GET /hello → {"hello":"world"}, in every variant:
//   bare          the framework alone
//   memory        + apiKeyAuth on a MemoryStore (default options)
//   memory-10pct  + apiKeyAuth on a MemoryStore, throttle limit raised so the
//                 10% invalid keys the client sends are counted but never block
//   redis         + apiKeyAuth on a RedisStore
//   rawget        + one raw ioredis GET per request (the Redis baseline)
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
} else if (variant === 'rawget') {
  // A value about the size of a stored API-key record, so the baseline moves similar bytes.
  await client.set(rawKey, JSON.stringify({ id: 'x'.repeat(10), hash: 'v'.repeat(51), pad: 'p'.repeat(200) }));
}

let handler;
if (framework.startsWith('express')) {
  const express = (await loadDependency(framework)).default;
  const app = express();
  if (guard) app.get('/hello', guard, (_req, res) => res.json(BODY));
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
