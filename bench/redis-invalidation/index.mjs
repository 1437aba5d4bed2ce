// RedisStore's client-side cache (CLIENT TRACKING … BCAST) under measurement:
//
// 1. The invalidation window: how long after a revocation in one process
//    (a child process with its own RedisStore and connection) another process,
//    which holds the key as a trusted zero-round-trip copy, refuses it.
//    Measured per revoke from the moment the revoking process got Redis' reply
//    ("revoked") to the moment the other process' next verification returned
//    REVOKED (it verifies as soon as the invalidation arrives); also from the
//    start of the revoke call. p50/p99/max over 10 000 revokes (--quick: 500).
//    Both processes share one wall clock (performance.timeOrigin + now()).
// 2. Sequential `await verify()` per second against the same Redis: RedisStore
//    with the cache (zero round trips once trusted), without client tracking
//    (one HGET), a metered key (one script), the raw GET floor, and a faithful
//    re-implementation of keypal's Redis store verify path
//    (github.com/izadoesdev/keypal, src/storage/redis.ts + src/manager.ts):
//    sha256 of the key, GET hash:<h> → id, GET <id> → JSON record, checks,
//    then the un-awaited usage tracking GET <id> + SET <id> (3 GET + 1 SET).
//    Variants are interleaved round by round; medians are reported.
//
//   node bench/redis-invalidation/index.mjs [--quick] [--redis-port 6379]
//
// Without --redis-port it starts a private redis-server (or uses REDIS_URL
// under a unique prefix); it deletes only its own keys.
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../lib/args.mjs';
import { fmt, printTable, runSection } from '../lib/output.mjs';
import { load } from '../lib/packages.mjs';
import { acquireRedis, deletePrefix, ioredis } from '../lib/redis.mjs';
import { median, quantile } from '../lib/timing.mjs';

const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const wallNow = () => performance.timeOrigin + performance.now();
const opts = parseArgs(process.argv.slice(2));
const role = opts.rest.includes('--writer') ? 'writer' : 'main';

async function connect(Redis, host, port, recommendedRedisOptions) {
  const client = new Redis({ host, port, ...recommendedRedisOptions({ lazyConnect: true }) });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** The revoking "process": revokes what the parent asks for and reports when Redis answered. */
async function writer() {
  const core = await load('core');
  const { RedisStore, recommendedRedisOptions } = await load('redis');
  const Redis = await ioredis();
  const [host, port, prefix] = opts.rest.filter((a) => a !== '--writer');
  const client = await connect(Redis, host, Number(port), recommendedRedisOptions);
  const store = new RedisStore({ client, prefix, clientTracking: false });
  const apiKeys = new core.ApiKeys({ store, secret: SECRET });
  process.on('message', async (message) => {
    if (message === 'exit') {
      client.disconnect();
      process.exit(0);
    }
    const started = wallNow();
    const revoked = await apiKeys.revoke(message.id);
    process.send({ started, acknowledged: wallNow(), ok: revoked !== null });
  });
  process.send('ready');
}

/** keypal's RedisStore.verify path (no cache layer, autoTrackUsage on): 3 GET + 1 SET. */
function keypalLike(client, prefix) {
  const key = (id) => `${prefix}kp:${id}`;
  const hashKey = (hash) => `${prefix}kp:hash:${hash}`;
  const parseRecord = (data) => {
    try {
      const parsed = JSON.parse(data);
      return typeof parsed?.id === 'string' && typeof parsed.keyHash === 'string' && typeof parsed.metadata === 'object' ? parsed : null;
    } catch {
      return null;
    }
  };
  const findById = async (id) => {
    const data = await client.get(key(id));
    return data ? parseRecord(data) : null;
  };
  const updateMetadata = async (id, metadata) => {
    const record = await findById(id);
    if (!record) throw new Error(`API key with id ${id} not found`);
    record.metadata = { ...record.metadata, ...metadata };
    const pipeline = client.pipeline();
    pipeline.set(key(id), JSON.stringify(record));
    await pipeline.exec();
  };
  const isExpired = (at) => (at ? new Date(at).getTime() <= Date.now() : false);
  return {
    async create(ownerId) {
      const plain = `sk_${createHash('sha256').update(String(Math.random())).digest('base64url').slice(0, 32)}`;
      const keyHash = createHash('sha256').update(plain).digest('hex');
      const id = createHash('sha256').update(`id${plain}`).digest('hex').slice(0, 16);
      const record = { id, keyHash, metadata: { ownerId, name: 'bench', scopes: ['read'], expiresAt: null, revokedAt: null, enabled: true, createdAt: new Date().toISOString() } };
      await client.pipeline().set(key(id), JSON.stringify(record)).set(hashKey(keyHash), id).exec();
      return plain;
    },
    async verify(plain) {
      if (!plain.startsWith('sk_')) return { valid: false, error: 'INVALID_FORMAT' };
      const keyHash = createHash('sha256').update(plain).digest('hex');
      const id = await client.get(hashKey(keyHash));
      const record = id ? await findById(id) : null;
      if (!record) return { valid: false, error: 'INVALID_KEY' };
      if (isExpired(record.metadata.expiresAt)) return { valid: false, error: 'EXPIRED' };
      if (record.metadata.revokedAt) return { valid: false, error: 'REVOKED' };
      if (record.metadata.enabled === false) return { valid: false, error: 'DISABLED' };
      updateMetadata(record.id, { lastUsedAt: new Date().toISOString() }).catch(() => {});
      return { valid: true, record };
    },
  };
}

async function main() {
  const core = await load('core');
  const { RedisStore, recommendedRedisOptions } = await load('redis');
  const Redis = await ioredis();
  const redis = opts.redisPort
    ? { host: opts.redisHost, port: opts.redisPort, private: opts.redisPrivate, stop: async () => {} }
    : await acquireRedis();
  const prefix = `tokenkit-bench:inv:${process.pid}:`;
  const client = await connect(Redis, redis.host, redis.port, recommendedRedisOptions);
  const admin = await connect(Redis, redis.host, redis.port, recommendedRedisOptions);
  let sent = 0;
  const originalSend = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    sent++;
    return originalSend(command, stream);
  };
  const store = new RedisStore({ client, prefix });
  const apiKeys = new core.ApiKeys({ store, secret: SECRET });
  const child = fork(fileURLToPath(import.meta.url), ['--writer', redis.host, String(redis.port), prefix], { stdio: 'inherit' });
  try {
    if (!(await store.clientCache.whenTrusted(10_000))) throw new Error('client tracking never became ready');
    await new Promise((resolve) => child.once('message', resolve));

    // Verifies until one verification costs no command (the copy is trusted).
    const warm = async (key) => {
      for (let i = 0; i < 1000; i++) {
        const before = sent;
        if (!(await apiKeys.verify(key)).valid) throw new Error('warm-up verification refused');
        if (sent === before) return;
        await new Promise((r) => setImmediate(r));
      }
      throw new Error('the key never became a trusted copy');
    };

    // 1. The window.
    const revokes = opts.quick ? 500 : 10_000;
    const fromAck = [];
    const fromStart = [];
    const toInvalidation = [];
    for (let i = 0; i < revokes; i++) {
      const { key, apiKey } = await apiKeys.create({ ownerId: `w${i % 100}` });
      await warm(key);
      const recordKey = store.keys.record('key', apiKey.id);
      let arrived;
      const invalidated = new Promise((resolve) => {
        const off = store.clientCache.observe((k) => {
          if (k === recordKey || k === null) {
            arrived = wallNow();
            off();
            resolve();
          }
        });
      });
      const ack = new Promise((resolve) => child.once('message', resolve));
      child.send({ id: apiKey.id });
      await invalidated;
      const result = await apiKeys.verify(key);
      const refused = wallNow();
      if (result.valid || result.code !== 'REVOKED') throw new Error(`not refused after the invalidation: ${JSON.stringify(result)}`);
      const { started, acknowledged, ok } = await ack;
      if (!ok) throw new Error('revoke failed');
      fromAck.push(refused - acknowledged);
      fromStart.push(refused - started);
      toInvalidation.push(arrived - acknowledged);
    }
    const summary = (xs) => ({ p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: Math.max(...xs), min: Math.min(...xs) });
    const window = { revokes, fromAck: summary(fromAck), fromStart: summary(fromStart), invalidationFromAck: summary(toInvalidation) };
    console.log(`\ninvalidation window over ${revokes} revokes (ms; negative = the refusal came before the revoking process saw its reply)`);
    printTable(
      ['measured', 'p50', 'p99', 'max'],
      [
        ['revoke reply → refusal in the other process', fmt(window.fromAck.p50, 3), fmt(window.fromAck.p99, 3), fmt(window.fromAck.max, 3)],
        ['revoke call → refusal in the other process', fmt(window.fromStart.p50, 3), fmt(window.fromStart.p99, 3), fmt(window.fromStart.max, 3)],
        ['revoke reply → invalidation received', fmt(window.invalidationFromAck.p50, 3), fmt(window.invalidationFromAck.p99, 3), fmt(window.invalidationFromAck.max, 3)],
      ],
    );

    // 2. Sequential verifications per second.
    const untracked = new core.ApiKeys({ store: new RedisStore({ client, prefix, clientTracking: false }), secret: SECRET });
    const plain = (await apiKeys.create({ ownerId: 'seq', scopes: ['read'] })).key;
    await warm(plain);
    const metered = (await apiKeys.create({ ownerId: 'seq', remaining: 1e9, rateLimit: { limit: 1e9, window: '1h' } })).key;
    const keypal = keypalLike(client, prefix);
    const kpKey = await keypal.create('seq');
    await client.set(`${prefix}raw`, 'x'.repeat(300));
    const variants = {
      'RedisStore, cached unmetered key (0 round trips)': () => apiKeys.verify(plain),
      'RedisStore, clientTracking: false (1 HGET)': () => untracked.verify(plain),
      'RedisStore, metered key (1 script)': () => apiKeys.verify(metered),
      'RedisStore, metered key, clientTracking: false': () => untracked.verify(metered),
      'raw ioredis GET (1 round trip)': () => client.get(`${prefix}raw`),
      'keypal Redis store (3 GET + 1 SET)': () => keypal.verify(kpKey),
    };
    for (const fn of Object.values(variants)) for (let i = 0; i < 200; i++) await fn();
    const rounds = opts.quick ? 3 : 7;
    const sliceMs = opts.quick ? 150 : 400;
    const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
    for (let r = 0; r < rounds; r++) {
      for (const [name, fn] of Object.entries(variants)) {
        const end = performance.now() + sliceMs;
        let n = 0;
        const t0 = performance.now();
        while (performance.now() < end) {
          for (let j = 0; j < 64; j++) await fn();
          n += 64;
        }
        samples[name].push((n * 1000) / (performance.now() - t0));
        // Let fire-and-forget writes (keypal's usage tracking, lastUsedAt) drain between variants.
        await new Promise((r2) => setTimeout(r2, 20));
      }
    }
    const opsPerSec = Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, median(xs)]));
    const peer = opsPerSec['keypal Redis store (3 GET + 1 SET)'];
    console.log(`\nsequential await verify(), median of ${rounds} interleaved rounds of ${sliceMs} ms`);
    printTable(
      ['variant', 'ops/s', '× keypal'],
      Object.entries(opsPerSec).map(([name, x]) => [name, fmt(x), fmt(x / peer, 2)]),
    );
    const ratio = opsPerSec['RedisStore, cached unmetered key (0 round trips)'] / peer;
    return {
      mode: opts.quick ? 'quick' : 'full',
      redis: { private: redis.private },
      window,
      opsPerSec,
      vsKeypal: ratio,
      vsKeypalUncached: opsPerSec['RedisStore, clientTracking: false (1 HGET)'] / peer,
      vsKeypalMetered: opsPerSec['RedisStore, metered key (1 script)'] / peer,
      targets: { vsKeypalAtLeast3: ratio >= 3 },
    };
  } finally {
    child.send('exit');
    await store.close();
    await deletePrefix(admin, prefix);
    client.disconnect();
    admin.disconnect();
    await redis.stop();
  }
}

if (role === 'writer') await writer();
else await runSection(opts.out, 'redis-invalidation', main);
