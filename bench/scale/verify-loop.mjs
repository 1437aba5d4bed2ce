// Shared by the memory and Redis scale runs: verification throughput and
// per-call latency over a set of probe keys spread across the whole keyspace
// (cycling through many keys keeps the lookups honest about cache misses).
import { compare, nowNs, quantile } from '../lib/timing.mjs';

/**
 * @param {{verify: (key: string) => Promise<{valid: boolean}>}} apiKeys
 * @param {string[]} probes - valid keys spread over the stored set
 * @param {{quick: boolean, concurrency?: number, clock?: 'cpu' | 'wall'}} opts
 *   clock: how throughput batches are timed — 'cpu' for the in-process memory
 *   store (what a verification costs), 'wall' (default) for Redis (the wait is the cost)
 */
export async function measureVerify(apiKeys, probes, opts) {
  // Each call presents a FRESH copy of its probe key, decoded from one compact
  // buffer — as a server does when it parses the header of a new request. The
  // probe strings themselves were allocated during the fill, so at 1M keys
  // they lie scattered among a gigabyte of records: reading them would charge
  // the larger store a cache miss that no real request pays.
  const width = probes[0].length;
  if (probes.some((p) => p.length !== width)) throw new Error('probe keys must all have the same length');
  const packed = Buffer.from(probes.join(''), 'latin1');
  let next = 0;
  const one = () => {
    const at = (next++ % probes.length) * width;
    return apiKeys.verify(packed.toString('latin1', at, at + width));
  };
  for (const key of probes.slice(0, 8)) {
    const result = await apiKeys.verify(key);
    if (!result.valid) throw new Error(`probe key rejected: ${result.code}`);
  }
  // Warm-up at every size: the first size must not be measured on colder JIT
  // code than the later ones, or "flat" would be flattered.
  for (let i = 0, n = opts.quick ? 1_000 : 10_000; i < n; i++) await one();
  // Latency: one call at a time, each timed on the wall clock (what a request waits).
  const samples = [];
  const count = opts.quick ? 2_000 : 20_000;
  for (let i = 0; i < count; i++) {
    const start = nowNs();
    const result = await one();
    samples.push(nowNs() - start);
    if (!result.valid) throw new Error(`probe key rejected: ${result.code}`);
  }
  const latency = { p50Us: quantile(samples, 0.5) / 1000, p99Us: quantile(samples, 0.99) / 1000 };
  // Throughput: with `concurrency` verifications in flight (1 = sequential).
  const concurrency = opts.concurrency ?? 1;
  const batch =
    concurrency === 1
      ? one
      : async () => {
          const all = [];
          for (let i = 0; i < concurrency; i++) all.push(one());
          const results = await Promise.all(all);
          if (!results.every((r) => r.valid)) throw new Error('probe key rejected');
          return results;
        };
  const measured = await compare([{ name: 'verify', fn: batch, async: true }], {
    rounds: opts.quick ? 3 : 9,
    batchMs: opts.quick ? 50 : 200,
    clock: opts.clock ?? 'wall',
  });
  const nsPerVerify = measured.verify.nsPerOp / concurrency;
  return { ...latency, nsPerVerify, opsPerSec: 1e9 / nsPerVerify, concurrency, clock: opts.clock ?? 'wall' };
}

/**
 * How many probe keys a flatness run verifies at every size: the same number throughout (the
 * smallest size's, at most 4,096), so from one size to the next only the number of stored keys
 * changes, not how many distinct keys the loop keeps hot (a working set of 1,000 at 1k keys and
 * 4,096 from 100k on would put the caches' growth on the store's account).
 * @param {number[]} sizes
 * @returns {number}
 */
export function probeCount(sizes) {
  return Math.min(4096, ...sizes);
}

/**
 * Creates keys up to `target`, keeping every `stride`-th one as a probe.
 * @param {{create: (o: object) => Promise<{key: string}>}} apiKeys
 * @param {number} from - keys already created
 * @param {number} target
 * @param {string[]} probes - grows in place
 * @param {number} maxProbes
 * @param {number} parallel - creations in flight (Redis fills use many)
 */
export async function fill(apiKeys, from, target, probes, maxProbes, parallel = 1) {
  let i = from;
  const worker = async () => {
    while (i < target) {
      const n = i++;
      const { key } = await apiKeys.create({ ownerId: `owner${n}` });
      // Reservoir sampling keeps the probes uniform over everything stored so far.
      if (probes.length < maxProbes) probes.push(key);
      else {
        const j = Math.floor(Math.random() * (n + 1));
        if (j < maxProbes) probes[j] = key;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}
