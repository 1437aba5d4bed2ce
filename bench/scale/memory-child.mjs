// Memory-store scale, in its own process: grows one MemoryStore through the
// sizes and measures verification at each (a fresh heap per run, so earlier
// sections' garbage does not tax it).
import { load } from '../lib/packages.mjs';
import { fill, measureVerify, probeCount } from './verify-loop.mjs';

const [sizesArg, quickArg] = process.argv.slice(2);
const sizes = sizesArg.split(',').map(Number);
const quick = quickArg === 'quick';
const core = await load('core');
const store = new core.MemoryStore({ sweepIntervalMs: 0 });
const apiKeys = new core.ApiKeys({ store, secret: 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz' });
const probes = [];
const rows = [];
let have = 0;
for (const size of sizes) {
  const started = Date.now();
  await fill(apiKeys, have, size, probes, probeCount(sizes));
  have = size;
  const fillSeconds = (Date.now() - started) / 1000;
  const measured = await measureVerify(apiKeys, probes, { quick, clock: 'cpu' });
  rows.push({ store: 'memory', storedKeys: size, fillSeconds, ...measured });
  process.stderr.write(
    `  memory ${size.toLocaleString('en-US').padStart(9)} keys: ${(measured.nsPerVerify / 1000).toFixed(2)} µs/verify, p50 ${measured.p50Us.toFixed(2)} µs, p99 ${measured.p99Us.toFixed(2)} µs (fill ${fillSeconds.toFixed(1)} s)\n`,
  );
}
process.stdout.write(JSON.stringify(rows));
