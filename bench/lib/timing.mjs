// Timing helpers shared by the micro, seed-peer and scale benchmarks.
//
// The machines these run on have 2 cores shared with other work, so a single
// long timing is at the mercy of whatever else is scheduled. Instead every
// variant is timed in many short batches, variants are interleaved batch by
// batch (A B C A B C …) so a noisy moment hurts all of them alike, and the
// median batch is reported.

/** @returns nanoseconds from a monotonic clock, as a Number */
export function nowNs() {
  return Number(process.hrtime.bigint());
}

/**
 * CPU time (user + system) this process has used, in ns. On a shared machine
 * wall time also counts the moments another process held our core; CPU time
 * does not, so it is the better measure of what a call costs. It does include
 * V8's GC helper threads, which is fair: that garbage is the call's cost too.
 */
export function cpuNs() {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

let clock = cpuNs;
/**
 * Chooses the clock batches are timed with: 'cpu' (default) or 'wall'.
 * @param {'cpu' | 'wall'} name
 */
export function useClock(name) {
  clock = name === 'wall' ? nowNs : cpuNs;
}

/**
 * Median of a numeric array (does not modify it).
 * @param {number[]} values
 */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Value at quantile q (0..1) of a numeric array, nearest-rank.
 * @param {number[]} values
 * @param {number} q
 */
export function quantile(values, q) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

// A sink the optimiser cannot see through, so benchmarked calls are not dead code.
let sink = 0;
/** @param {unknown} value */
export function consume(value) {
  if (typeof value === 'string') sink ^= value.length;
  else if (typeof value === 'boolean') sink ^= value ? 1 : 0;
  else if (value !== null && value !== undefined) sink ^= 1;
}
/** @returns the sink (print it once so the whole chain stays live) */
export function sinkValue() {
  return sink;
}

/**
 * Calls `fn` `n` times and returns ns per call.
 * @param {() => unknown} fn
 * @param {number} n
 */
function batchSync(fn, n, timer = clock) {
  const start = timer();
  for (let i = 0; i < n; i++) consume(fn());
  return (timer() - start) / n;
}

/**
 * Awaits `fn` `n` times in sequence and returns ns per call.
 * @param {() => Promise<unknown>} fn
 * @param {number} n
 */
async function batchAsync(fn, n, timer = clock) {
  const start = timer();
  for (let i = 0; i < n; i++) consume(await fn());
  return (timer() - start) / n;
}

/**
 * Picks a batch size so one batch takes roughly `targetMs`.
 * @param {{fn: Function, async?: boolean}} variant
 * @param {number} targetMs
 */
async function calibrate(variant, targetMs) {
  let n = 16;
  for (;;) {
    const ns = variant.async ? await batchAsync(variant.fn, n) : batchSync(variant.fn, n);
    if (ns * n >= 2e6 || n >= 1 << 24) return Math.max(1, Math.round((targetMs * 1e6) / ns));
    n *= 4;
  }
}

/**
 * Times several variants interleaved, batch by batch.
 *
 * @param {Array<{name: string, fn: () => unknown, async?: boolean}>} variants
 * @param {{rounds?: number, batchMs?: number, warmupMs?: number, clock?: 'cpu' | 'wall'}} [options]
 *   clock: 'wall' for work that waits on another process (Redis), where CPU time would miss the wait
 * @returns {Promise<Record<string, {nsPerOp: number, opsPerSec: number, batches: number[]}>>}
 *   median ns/op over the batches of each variant
 */
export async function compare(variants, options = {}) {
  const rounds = options.rounds ?? 15;
  const batchMs = options.batchMs ?? 20;
  const sizes = [];
  for (const v of variants) {
    // Warm-up doubles as calibration: the JIT settles before the timed batches.
    await calibrate(v, options.warmupMs ?? batchMs);
    sizes.push(await calibrate(v, batchMs));
  }
  const timer = options.clock === 'wall' ? nowNs : options.clock === 'cpu' ? cpuNs : clock;
  const samples = variants.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[i];
      samples[i].push(v.async ? await batchAsync(v.fn, sizes[i], timer) : batchSync(v.fn, sizes[i], timer));
    }
  }
  const out = {};
  variants.forEach((v, i) => {
    const ns = median(samples[i]);
    out[v.name] = { nsPerOp: ns, opsPerSec: 1e9 / ns, batches: samples[i] };
  });
  return out;
}
