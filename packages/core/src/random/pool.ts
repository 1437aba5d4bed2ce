import { randomFillSync } from 'node:crypto';

/**
 * One `randomFillSync` per 32 KiB instead of one syscall per token: a
 * syscall per `randomBytes(32)` costs many times what slicing a pooled draw
 * does (`bench/micro` times `tokenUrlsafe(32)` against
 * `crypto.randomBytes(32)`). Bytes are handed out exactly once and then overwritten by the
 * next refill, so no two callers ever see the same byte.
 */
const POOL_SIZE = 32 * 1024;
const pool = Buffer.allocUnsafeSlow(POOL_SIZE);
let offset = POOL_SIZE;

/**
 * Reserves `n` fresh CSPRNG bytes in the shared pool.
 *
 * @param n - bytes wanted, at most the pool size
 * @returns the start offset in {@link pool} of `n` unused bytes
 */
export function reserve(n: number): number {
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += n;
  return start;
}

/** The pool buffer; read only the range {@link reserve} returned, synchronously. */
export function poolBuffer(): Buffer {
  return pool;
}

/** Largest request served from the pool; bigger ones go straight to the OS. */
export const POOL_LIMIT = 4096;

/** 1 MiB: the largest single request any generator accepts. */
export const MAX_BYTES = 1024 * 1024;

/**
 * Validates a byte count the way every generator does.
 *
 * @param nbytes - the requested byte count
 * @param name - the function name for the message
 */
export function checkByteCount(nbytes: unknown, name: string): asserts nbytes is number {
  if (typeof nbytes !== 'number' || !Number.isInteger(nbytes)) {
    throw new TypeError(`${name}: nbytes must be an integer, got ${String(nbytes)}`);
  }
  if (nbytes < 1 || nbytes > MAX_BYTES) {
    throw new RangeError(`${name}: nbytes must be between 1 and ${MAX_BYTES} (1 MiB), got ${nbytes}`);
  }
}

/**
 * Fills a fresh buffer with `n` CSPRNG bytes (pooled for small sizes), for
 * callers that turn it into a string at once.
 *
 * @param n - already validated byte count
 * @returns a Buffer whose bytes no one else references (it may still share an
 *   allocation slab of Node's with unrelated Buffers: never hand it out)
 */
export function freshBytes(n: number): Buffer {
  if (n > POOL_LIMIT) return randomFillSync(Buffer.allocUnsafe(n));
  const start = reserve(n);
  return Buffer.from(pool.subarray(start, start + n));
}

/**
 * `n` CSPRNG bytes in a `Uint8Array` that owns its memory: `.buffer` is
 * exactly `n` bytes long. Bytes handed to callers must not be a view into a
 * shared slab — `Buffer.from`/`allocUnsafe` place small buffers in Node's
 * 8 KiB allocation pool, so `.buffer` of such a view exposes whatever other
 * code (other tokens, request bodies) put in the same slab.
 *
 * @param n - already validated byte count
 * @returns a new, unshared `Uint8Array` of length `n`
 */
export function ownedBytes(n: number): Uint8Array {
  // `new Uint8Array(n)` always gets its own zero-filled ArrayBuffer.
  const out = new Uint8Array(n);
  if (n > POOL_LIMIT) return randomFillSync(out);
  const start = reserve(n);
  out.set(pool.subarray(start, start + n));
  return out;
}
