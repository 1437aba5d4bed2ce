// Figures behind design choices in the packages' source, measured once when
// each choice was made (Node 20, on the project's 2-vCPU machines). The source
// comments say why and point here; `pnpm bench` does not re-measure these
// (where a section of the run measures the same thing today, `today` says
// which), so they are rendered into RESULTS.md as they are.

/** @type {Array<{choice: string, where: string, instead: string, measured: string, today?: string}>} */
export const DESIGN_NOTES = [
  {
    choice: 'HMAC-SHA256 from two one-shot `crypto.hash` calls with a precomputed key',
    where: 'packages/core/src/hashing/keyed-hash.ts',
    instead: "`createHmac('sha256', secret)` per call",
    measured: '`createHmac` ~1.3 µs per call, more than the API-key guard’s whole budget of about 1 µs',
    today: 'Generators and verification (micro), "keyed hash"',
  },
  {
    choice: 'the inner HMAC digest as a `binary` (latin1) string',
    where: 'packages/core/src/hashing/keyed-hash.ts',
    instead: "`crypto.hash(…, 'buffer')`",
    measured: 'the Buffer form ~3× the string form on Node 20',
  },
  {
    choice: 'constant-time compare as a JS loop over UTF-16 code units',
    where: 'packages/core/src/random/safe-equal.ts',
    instead: 'encoding both strings to Buffers for `crypto.timingSafeEqual`',
    measured: '~100 ns vs ~200 ns for a 51-character hash on Node 20',
  },
  {
    choice: 'one `randomFillSync` per 32 KiB, tokens sliced from the pool',
    where: 'packages/core/src/random/pool.ts',
    instead: '`randomBytes(32)` per token',
    measured: '~64 ns per pooled slice vs ~1.7 µs per `randomBytes(32)` call',
    today: 'Generators and verification (micro), "tokenUrlsafe(32)"',
  },
  {
    choice: 'MemoryStore values and TTL deadlines in slot arrays (`Int32Array` offsets), the Map holding slot numbers',
    where: 'packages/core/src/store/memory/slots.ts',
    instead: '`Map<id, { record, dropAt }>`',
    measured:
      'at 1M reset tokens (record + per-user index entry, `bench/scale/rss-child.mjs`): 411 → 311 bytes of heap and ' +
      '~480 → ~385 bytes of RSS per token, three heap objects fewer per token. After it: 381–397 B RSS (311 B heap) per ' +
      'reset token against 315–349 B (261 B) for a bare `Map` of similar records; what remains is the record itself ' +
      '(~232 B: object, hash, id, subject, two timestamps as HeapNumbers) and two ~29-byte Map entries',
    today: 'Scale, "Memory-store RSS per record"',
  },
  {
    choice: 'MemoryStore indexes keyed by the subject string the record already holds',
    where: 'packages/core/src/store/memory-store.ts',
    instead: 'a joined `ns\\0subject` key',
    measured: '~32 bytes less per subject at 1M records',
  },
  {
    choice: 'MemoryStore record copies from a per-shape JSON template, hash flattened, nested values copied',
    where: 'packages/core/src/store/memory/record-copy.ts',
    instead: '`{ ...record }` (megamorphic spread clone)',
    measured:
      '~1 µs less per verification at 1M keys (4.8 → 3.8 µs, median of five runs each) at the same RSS per reset token; ' +
      'the spread copy took ~16 bytes more per API key, and a rope hash (`tag + "$" + digest`) ~45 bytes more than a flat one',
    today: 'Scale, "time per verify"',
  },
  {
    choice: 'reset-token `meta` stored only when non-empty',
    where: 'packages/core/src/reset-tokens/index.ts',
    instead: 'an empty `meta` object on every token',
    measured: '~56 bytes per token in a MemoryStore',
  },
  {
    choice: 'an unmetered key verified with one `HGET` of its record version, checks on a cached copy in Node',
    where: 'packages/redis/src/unmetered.ts',
    instead: 'an `EVALSHA` or an `HGETALL` per verification',
    measured: '`EVALSHA` ~10–20 µs of Redis CPU; `HGETALL` of a ~14-field record ~4 µs more Node CPU than a `GET`',
    today: '`node bench/redis-client/index.mjs` (not part of `pnpm bench`)',
  },
  {
    choice: 'Lua constant-time compare as a sum of squared byte differences',
    where: 'packages/redis/src/scripts/constant-time.ts',
    instead: '`bit.bor(acc, bit.bxor(a, b))` per byte',
    measured: '~3 µs instead of ~9 µs per comparison on Redis 7.0',
  },
];
