// Node-side CPU per call against a real Redis, 50 calls in flight, for the
// three ways a verification could read Redis: a raw `GET` of a record-sized
// string (the baseline of the Redis guard's target), a plain `HGETALL` of an API-key record, and
// `ApiKeys.verify` on a RedisStore (one `HGET` of the record's version once
// the key is cached). With 50 in flight the Node process is the bottleneck,
// so CPU time per call ≈ wall time per call; redis-server runs on the other core.
//
//   node bench/redis-client/index.mjs [--redis-port 6379]
//
// Not part of `pnpm bench` (the HTTP section measures the same thing end to
// end); it isolates the client side when working on the Redis store.
import { parseArgs } from '../lib/args.mjs';
import { load } from '../lib/packages.mjs';
import { ioredis } from '../lib/redis.mjs';

const opts = parseArgs(process.argv.slice(2));
const core = await load('core');
const { RedisStore, recommendedRedisOptions } = await load('redis');
const Redis = await ioredis();
const prefix = `tkbench:client:${process.pid}:`;
const client = new Redis({ host: opts.redisHost, port: opts.redisPort ?? 6379, ...recommendedRedisOptions({ lazyConnect: true }) });
await client.connect();
try {
  const store = new RedisStore({ client, prefix });
  const apiKeys = new core.ApiKeys({ store, secret: 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz' });
  const { key } = await apiKeys.create({ ownerId: 'bench', name: 'client bench', scopes: ['read'] });
  await client.set(`${prefix}raw`, JSON.stringify({ id: 'x'.repeat(10), hash: 'v'.repeat(51), pad: 'p'.repeat(200) }));
  const [recordKey] = await client.keys(`${prefix}key:*`);
  const ops = {
    'raw GET': () => client.get(`${prefix}raw`),
    'raw HGETALL of the record': () => client.hgetall(recordKey),
    'ApiKeys.verify (RedisStore)': () => apiKeys.verify(key),
  };
  const perCall = async (fn, n) => {
    const cpu0 = process.cpuUsage();
    let left = n;
    await Promise.all(Array.from({ length: 50 }, async () => { while (left-- > 0) await fn(); }));
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / n;
  };
  const samples = Object.fromEntries(Object.keys(ops).map((name) => [name, []]));
  const rounds = opts.quick ? 3 : 7;
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(ops)) {
      const us = await perCall(fn, opts.quick ? 5_000 : 40_000);
      if (r > 0) samples[name].push(us);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const get = median(samples['raw GET']);
  for (const [name, xs] of Object.entries(samples)) {
    const us = median(xs);
    console.log(`${name.padEnd(30)} ${us.toFixed(2)} µs Node CPU per call  (${(us / get).toFixed(2)}× GET)`);
  }
} finally {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
  client.disconnect();
}
