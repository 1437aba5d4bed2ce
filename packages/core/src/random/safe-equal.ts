import { timingSafeEqual } from 'node:crypto';

/**
 * Two strings are compared code unit by code unit in JavaScript, folding
 * every difference into one accumulator with no early exit. This runs on
 * every verification (stored hash vs. presented hash), and the loop costs
 * about half of encoding both strings into buffers for
 * `crypto.timingSafeEqual` (bench/RESULTS.md, "Design choices", has the
 * figures). Comparing UTF-16 code units is also stricter than comparing UTF-8
 * bytes: lone surrogates, which UTF-8 encoding collapses into U+FFFD, stay
 * distinct.
 *
 * When the lengths differ the loop still runs over all of `a` (against `a`
 * itself) and the seeded length difference makes the result false, so the
 * time depends on `a.length` only.
 */
function safeEqualStrings(a: string, b: string): boolean {
  const other = a.length === b.length ? b : a;
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ other.charCodeAt(i);
  return diff === 0;
}

function toBytes(value: string | Uint8Array): Uint8Array {
  // Same UTF-8 bytes as TextEncoder (lone surrogates become U+FFFD in both).
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return value;
  throw new TypeError('safeEqual: arguments must be strings or Uint8Arrays');
}

/**
 * Constant-time equality of two secrets. The running time depends only on the
 * length of `a` — never on where the inputs differ, and never on `b`'s
 * length — so pass the expected (stored) value as `a` and the attacker-supplied
 * one as `b`. Two strings are compared by UTF-16 code units; a string and
 * bytes by the string's UTF-8 encoding; bytes with `crypto.timingSafeEqual`.
 *
 * @param a - the expected value
 * @param b - the value to check
 * @returns true when both are equal
 * @example
 * ```ts
 * if (!safeEqual(storedHash, hashOfPresented)) return unauthorized()
 * ```
 */
export function safeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  if (typeof a === 'string' && typeof b === 'string') return safeEqualStrings(a, b);
  const left = toBytes(a);
  const right = toBytes(b);
  if (left.byteLength !== right.byteLength) {
    // Same work as a real comparison of `a`, then a guaranteed false.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
