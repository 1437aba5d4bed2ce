// In-process verification rate: sequential `await apiKeys.verify(key)` on a
// MemoryStore holding N keys (100k in the full run), beside the naive lookup
// on a Map of the same size — `crypto.hash('sha256', key)` + `Map.get`, also
// awaited — in its own process. Both cycle through the same probe keys,
// presented as fresh strings (as a parsed header would be), interleaved batch
// by batch, timed on the CPU clock. A third variant, the store's floor, calls
// `store.use()` of the same MemoryStore directly with the key's id cut from the
// fresh string and its hash known in advance — what a verified-cache hit leaves
// to the store — without the manager (cache lookup, result, ApiKey view): the
// split of the gap to the naive lookup between the store and the manager.
//
//   node bench/scale/verify-rate-child.mjs 100000 full
import * as nodeCrypto from 'node:crypto';
import { load } from '../lib/packages.mjs';
import { compare } from '../lib/timing.mjs';
import { fill } from './verify-loop.mjs';

const [sizeArg = '100000', quickArg = 'full'] = process.argv.slice(2);
const size = Number(sizeArg);
const quick = quickArg === 'quick';
const core = await load('core');
const sha256 =
  typeof nodeCrypto.hash === 'function'
    ? (text) => nodeCrypto.hash('sha256', text, 'base64url')
    : (text) => nodeCrypto.createHash('sha256').update(text).digest('base64url');

const store = new core.MemoryStore({ sweepIntervalMs: 0 });
const apiKeys = new core.ApiKeys({ store, secret: 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz' });
const probes = [];
const started = Date.now();
await fill(apiKeys, 0, size, probes, 4096);
const fillSeconds = (Date.now() - started) / 1000;

// The naive store: N keys' SHA-256 → record. The probe keys are in it, plus
// fresh ones up to N (their values never matter, only the map's size).
const naive = new Map();
for (const key of probes) naive.set(sha256(key), { ownerId: 'probe', scopes: [], revokedAt: null, expiresAt: null });
while (naive.size < size) naive.set(sha256(core.generateCredential('sk').credential), { ownerId: `owner${naive.size}`, scopes: [], revokedAt: null, expiresAt: null });

const width = probes[0].length;
const packed = Buffer.from(probes.join(''), 'latin1');
let nextA = 0;
let nextB = 0;
let nextC = 0;
// The stored hash of each probe, by position: a cache hit's hashes.
const probeHashes = [];
for (const key of probes) probeHashes.push([(await store.get('key', key.slice(-48, -38))).hash]);
const idOf = (i) => {
  const at = (i % probes.length) * width;
  return packed.toString('latin1', at + width - 48, at + width - 38);
};
const storeUse = async (i) => store.use('key', idOf(i), { hashes: probeHashes[i % probes.length], now: Date.now() });
const fresh = (i) => {
  const at = (i % probes.length) * width;
  return packed.toString('latin1', at, at + width);
};
for (const [i, key] of probes.slice(0, 8).entries()) {
  if (!(await apiKeys.verify(key)).valid || !naive.get(sha256(key)) || !(await storeUse(i)).ok) throw new Error('probe key rejected');
}
// Warm-up before timing: the JIT settles on both paths, and the fill's garbage
// is collected before the first timed batch rather than inside it.
for (let i = 0, n = quick ? 20_000 : 100_000; i < n; i++) {
  await apiKeys.verify(fresh(nextA++));
  await naive.get(sha256(fresh(nextB++)));
  await storeUse(nextC++);
}
const measured = await compare(
  [
    { name: 'tokenkit', fn: () => apiKeys.verify(fresh(nextA++)), async: true },
    { name: 'naive', fn: async () => naive.get(sha256(fresh(nextB++))), async: true },
    { name: 'storeFloor', fn: () => storeUse(nextC++), async: true },
  ],
  { rounds: quick ? 5 : 15, batchMs: quick ? 20 : 100, clock: 'cpu' },
);
const row = {
  storedKeys: size,
  fillSeconds,
  tokenkitNsPerVerify: measured.tokenkit.nsPerOp,
  tokenkitPerSec: measured.tokenkit.opsPerSec,
  naiveNsPerVerify: measured.naive.nsPerOp,
  naivePerSec: measured.naive.opsPerSec,
  storeFloorNsPerVerify: measured.storeFloor.nsPerOp,
  storeFloorPerSec: measured.storeFloor.opsPerSec,
};
process.stderr.write(
  `  ${size.toLocaleString('en-US')} keys: await apiKeys.verify ${Math.round(row.tokenkitPerSec).toLocaleString('en-US')}/s ` +
    `(${(row.tokenkitNsPerVerify / 1000).toFixed(2)} µs), naive sha256 + Map.get ${Math.round(row.naivePerSec).toLocaleString('en-US')}/s ` +
    `(${(row.naiveNsPerVerify / 1000).toFixed(2)} µs), store.use() alone ${Math.round(row.storeFloorPerSec).toLocaleString('en-US')}/s ` +
    `(${(row.storeFloorNsPerVerify / 1000).toFixed(2)} µs)\n`,
);
process.stdout.write(JSON.stringify(row));
