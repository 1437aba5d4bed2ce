// Redis-store scale: grows one keyspace (under a unique prefix) through the
// sizes and measures verification at each — one at a time (latency, i.e.
// round-trip time) and with 32 in flight (throughput, as a busy server sees it).
import { load } from '../lib/packages.mjs';
import { deletePrefix, ioredis, uniquePrefix } from '../lib/redis.mjs';
import { fill, measureVerify, probeCount } from './verify-loop.mjs';

const [sizesArg, quickArg, host, portArg] = process.argv.slice(2);
const sizes = sizesArg.split(',').map(Number);
const quick = quickArg === 'quick';
const core = await load('core');
const { RedisStore, recommendedRedisOptions } = await load('redis');
const Redis = await ioredis();
const port = Number(portArg);
const prefix = uniquePrefix();
const secret = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
// Filling 1M keys one round trip at a time would take minutes: the filler's
// client pipelines automatically, and creates run 256 at a time.
const fillClient = new Redis({ host, port, enableAutoPipelining: true, enableOfflineQueue: false, lazyConnect: true });
await fillClient.connect();
// The options the README recommends (no offline queue: connect before use).
const client = new Redis({ host, port, ...recommendedRedisOptions({ lazyConnect: true }) });
await client.connect();
const fillKeys = new core.ApiKeys({ store: new RedisStore({ client: fillClient, prefix, timeout: 30_000 }), secret });
const apiKeys = new core.ApiKeys({ store: new RedisStore({ client, prefix }), secret });
const probes = [];
const rows = [];
let have = 0;
try {
  for (const size of sizes) {
    const started = Date.now();
    await fill(fillKeys, have, size, probes, probeCount(sizes), 512);
    have = size;
    const fillSeconds = (Date.now() - started) / 1000;
    const memory = /used_memory:(\d+)/.exec(await client.info('memory'))?.[1];
    const sequential = await measureVerify(apiKeys, probes, { quick, concurrency: 1 });
    const parallel = await measureVerify(apiKeys, probes, { quick, concurrency: 32 });
    rows.push({
      store: 'redis',
      storedKeys: size,
      fillSeconds,
      redisUsedMemoryMiB: memory ? Number(memory) / 2 ** 20 : undefined,
      p50Us: sequential.p50Us,
      p99Us: sequential.p99Us,
      nsPerVerify: sequential.nsPerVerify,
      opsPerSec: sequential.opsPerSec,
      parallelOpsPerSec: parallel.opsPerSec,
      concurrency: parallel.concurrency,
    });
    process.stderr.write(
      `  redis  ${size.toLocaleString('en-US').padStart(9)} keys: p50 ${sequential.p50Us.toFixed(1)} µs, p99 ${sequential.p99Us.toFixed(1)} µs, ${Math.round(sequential.opsPerSec)}/s sequential, ${Math.round(parallel.opsPerSec)}/s with 32 in flight (fill ${fillSeconds.toFixed(1)} s)\n`,
    );
  }
} finally {
  await deletePrefix(client, prefix);
  fillClient.disconnect();
  client.disconnect();
}
process.stdout.write(JSON.stringify(rows));
