import { poolBuffer, reserve } from './pool.js';

const TWO_32 = 2 ** 32;

/**
 * Unbiased random integer in `[0, n)` by rejection sampling: draws are
 * discarded above the largest multiple of `n` that fits, so every value has
 * exactly the same probability (no modulo bias).
 *
 * @param n - exclusive upper bound, an integer in 1..2^32
 * @returns an integer `0 <= x < n`
 * @example
 * ```ts
 * const die = randomBelow(6) + 1
 * ```
 */
export function randomBelow(n: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new TypeError(`randomBelow: n must be an integer, got ${String(n)}`);
  }
  if (n < 1 || n > TWO_32) {
    throw new RangeError(`randomBelow: n must be between 1 and 2^32, got ${n}`);
  }
  if (n === 1) return 0;
  const pool = poolBuffer();
  if (n <= 256) {
    const limit = 256 - (256 % n);
    for (;;) {
      const byte = pool[reserve(1)]!;
      if (byte < limit) return byte % n;
    }
  }
  const limit = TWO_32 - (TWO_32 % n);
  for (;;) {
    const value = pool.readUInt32LE(reserve(4));
    if (value < limit) return value % n;
  }
}

/**
 * Picks one element uniformly at random.
 *
 * @param items - a non-empty array or array-like (a string picks a character)
 * @returns one element
 * @example
 * ```ts
 * choice(['red', 'green', 'blue'])
 * ```
 */
export function choice<T>(items: ArrayLike<T>): T {
  if (items === null || typeof items !== 'object' && typeof items !== 'string') {
    throw new TypeError('choice: items must be an array or array-like');
  }
  const length = items.length;
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError('choice: items must not be empty');
  }
  return items[randomBelow(length)] as T;
}
