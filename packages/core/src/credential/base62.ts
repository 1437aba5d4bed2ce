import { poolBuffer, reserve } from '../random/pool.js';

/** Digits first, then upper, then lower case: the order CRC32 encoding uses. */
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const BASE62_CODES = Buffer.from(BASE62, 'latin1');
/** 248 = 4 * 62: bytes at or above it are rejected so each symbol is equally likely. */
const ACCEPT_BELOW = 248;
const scratch = Buffer.allocUnsafe(256);

/**
 * `count` uniformly random base62 characters from the pooled CSPRNG.
 *
 * @param count - characters wanted (at most 256)
 * @returns the random string
 */
export function randomBase62(count: number): string {
  const pool = poolBuffer();
  let filled = 0;
  while (filled < count) {
    // Ask for a few spare bytes: ~3% are rejected.
    const want = count - filled + 4;
    const start = reserve(want);
    for (let i = start, end = start + want; i < end && filled < count; i++) {
      const byte = pool[i]!;
      if (byte < ACCEPT_BELOW) scratch[filled++] = BASE62_CODES[byte % 62]!;
    }
  }
  return scratch.toString('latin1', 0, count);
}

/**
 * Char code (0..127) → base62 digit value, or -1 for anything else. Lets the
 * parser check the alphabet and decode the check part in one table lookup per
 * character instead of a regex pass plus re-encoding.
 */
export const BASE62_VALUE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < BASE62.length; i++) table[BASE62.charCodeAt(i)] = i;
  return table;
})();

const IS_BASE62 = /^[0-9A-Za-z]*$/;

/**
 * @param value - a string to check
 * @returns true when every character is in the base62 alphabet
 */
export function isBase62(value: string): boolean {
  return IS_BASE62.test(value);
}

/**
 * Fixed-width base62 of an unsigned 32-bit integer (zero-padded with `'0'`).
 *
 * @param value - 0..2^32-1
 * @param width - output width (6 fits every 32-bit value: 62^6 > 2^32)
 * @returns the encoded string
 */
export function encodeBase62Fixed(value: number, width: number): string {
  // Filled right to left in a scratch buffer: one string at the end instead
  // of `width` intermediate concatenations.
  let rest = value;
  for (let i = width - 1; i >= 0; i--) {
    scratch[i] = BASE62_CODES[rest % 62]!;
    rest = Math.floor(rest / 62);
  }
  return scratch.toString('latin1', 0, width);
}
