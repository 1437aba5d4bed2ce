// Scale: is verification flat in the number of stored keys (1k → 100k → 1M),
// on the memory store (beside a bare Map<string, record> lookup over the same
// sizes, in the same run) and on Redis; how many sequential verifications per
// second a MemoryStore with 100k keys answers beside sha256 + Map.get; and what does one record cost in RSS on
// the memory store at 1M records, for each record kind.
import { join } from 'node:path';
import { parseArgs } from '../lib/args.mjs';
import { runChild } from '../lib/child.mjs';
import { fmt, printTable, runSection } from '../lib/output.mjs';
import { ROOT } from '../lib/packages.mjs';
import { acquireRedis } from '../lib/redis.mjs';

const opts = parseArgs(process.argv.slice(2));
const HERE = join(ROOT, 'bench', 'scale');

async function main() {
  const sizes = opts.quick ? [1_000, 10_000] : [1_000, 100_000, 1_000_000];
  const rssRecords = opts.quick ? 50_000 : 1_000_000;
  const out = { mode: opts.quick ? 'quick' : 'full', sizes, verify: [], rss: [], errors: [] };

  console.log(`verification vs stored keys (${sizes.map((s) => fmt(s)).join(', ')})`);
  out.verify.push(...(await runChild(join(HERE, 'memory-child.mjs'), [sizes.join(','), opts.quick ? 'quick' : 'full'])));
  out.mapReference = await runChild(join(HERE, 'map-reference-child.mjs'), [sizes.join(','), opts.quick ? 'quick' : 'full']);

  // The in-process rate target: sequential `await apiKeys.verify()` on a MemoryStore
  // with 100k keys beside sha256 + Map.get on a Map of 100k (its own process).
  console.log('\nsequential verification rate, 100k stored keys (memory store vs naive sha256 + Map.get)');
  out.verifyRate = await runChild(join(HERE, 'verify-rate-child.mjs'), ['100000', opts.quick ? 'quick' : 'full']);

  if (!opts.noRedis) {
    const redis = opts.redisPort ? { host: opts.redisHost, port: opts.redisPort, stop: async () => {} } : await acquireRedis();
    try {
      out.verify.push(
        ...(await runChild(join(HERE, 'redis-child.mjs'), [sizes.join(','), opts.quick ? 'quick' : 'full', redis.host, String(redis.port)], {
          timeoutMs: 900_000,
        })),
      );
    } finally {
      await redis.stop();
    }
  }

  for (const store of ['memory', 'redis']) {
    const rows = out.verify.filter((r) => r.store === store);
    if (rows.length < 2) continue;
    const first = rows[0];
    const last = rows[rows.length - 1];
    out[`${store}Flatness`] = {
      from: first.storedKeys,
      to: last.storedKeys,
      nsPerVerifyRatio: last.nsPerVerify / first.nsPerVerify,
      p50Ratio: last.p50Us / first.p50Us,
    };
    const refFirst = out.mapReference.find((r) => r.storedKeys === first.storedKeys);
    const refLast = out.mapReference.find((r) => r.storedKeys === last.storedKeys);
    if (store === 'memory' && refFirst && refLast) {
      // What a bare Map<string, record> loses over the same sizes, and the ratio a store
      // would show if that lookup were the only thing that grew: the machine's floor.
      Object.assign(out.memoryFlatness, {
        referenceNs: [refFirst.nsPerLookup, refLast.nsPerLookup],
        referenceRatio: refLast.nsPerLookup / refFirst.nsPerLookup,
        growthNs: last.nsPerVerify - first.nsPerVerify,
        referenceGrowthNs: refLast.nsPerLookup - refFirst.nsPerLookup,
        floorRatio: (first.nsPerVerify + refLast.nsPerLookup - refFirst.nsPerLookup) / first.nsPerVerify,
      });
    }
  }

  console.log(`\nmemory-store RSS per record at ${fmt(rssRecords)} records (fresh process, --expose-gc)`);
  for (const kind of ['reset', 'apikey', 'invitation', 'map']) {
    const row = await runChild(join(HERE, 'rss-child.mjs'), [kind, String(rssRecords)], { nodeFlags: ['--expose-gc'] });
    out.rss.push(row);
    console.log(`  ${kind.padEnd(10)} ${fmt(row.rssBytesPerRecord)} B RSS, ${fmt(row.heapBytesPerRecord)} B heap per record (${row.seconds.toFixed(1)} s)`);
  }

  console.log();
  printTable(
    ['store', 'stored keys', 'µs/verify', 'verifies/s', 'p50 µs', 'p99 µs', '32 in flight /s'],
    out.verify.map((r) => [
      r.store,
      fmt(r.storedKeys),
      fmt(r.nsPerVerify / 1000, 2),
      fmt(r.opsPerSec),
      fmt(r.p50Us, 2),
      fmt(r.p99Us, 2),
      r.parallelOpsPerSec ? fmt(r.parallelOpsPerSec) : '',
    ]),
  );
  return out;
}

await runSection(opts.out, 'scale', main);
