// The hardware's share of "flat": the lookup a MemoryStore verification makes
// at its core, done on a bare `Map<string, record>` of the same sizes, in its
// own process — fetch the record by a fresh id string and read what
// verification reads (its hash string, scopes array and meta object). No
// hashing, no store: whatever this loses from 1k to 1M entries is cache and
// TLB misses, which no O(1) design on this machine avoids; the memory-store
// flatness ratio is read against it (bench/RESULTS.md).
import { load } from '../lib/packages.mjs';
import { compare, consume } from '../lib/timing.mjs';
import { probeCount } from './verify-loop.mjs';

const [sizesArg, quickArg] = process.argv.slice(2);
const sizes = sizesArg.split(',').map(Number);
const quick = quickArg === 'quick';
const core = await load('core');
const PROBES = probeCount(sizes); // as in the stores' runs
const map = new Map();
const ids = [];
const rows = [];
for (const size of sizes) {
  while (map.size < size) {
    const id = core.generateCredential('sk').id;
    if (map.has(id)) continue;
    map.set(id, {
      id,
      hash: `vAbCdEf$${core.tokenUrlsafe(32)}`,
      prefix: 'sk',
      ownerId: `owner${map.size}`,
      name: null,
      scopes: [],
      meta: {},
      createdAt: Date.now(),
      expiresAt: null,
      revokedAt: null,
      uses: 0,
      maxUses: null,
      rateLimit: null,
      lastUsedAt: null,
    });
    ids.push(id);
  }
  // Probes spread uniformly over the whole map, presented as fresh strings (as in verify-loop.mjs).
  const probes = Array.from({ length: Math.min(PROBES, ids.length) }, (_, i) => ids[Math.floor((i * ids.length) / Math.min(PROBES, ids.length))]);
  const width = probes[0].length;
  const packed = Buffer.from(probes.join(''), 'latin1');
  let next = 0;
  const lookup = () => {
    const at = (next++ % probes.length) * width;
    const record = map.get(packed.toString('latin1', at, at + width));
    consume(record.hash.charCodeAt(20) + record.scopes.length + Object.keys(record.meta).length);
  };
  const measured = await compare([{ name: 'lookup', fn: lookup }], { rounds: quick ? 3 : 9, batchMs: quick ? 20 : 100, clock: 'cpu' });
  rows.push({ storedKeys: size, nsPerLookup: measured.lookup.nsPerOp });
  process.stderr.write(`  bare Map ${size.toLocaleString('en-US').padStart(9)} entries: ${measured.lookup.nsPerOp.toFixed(0)} ns per lookup\n`);
}
process.stdout.write(JSON.stringify(rows));
