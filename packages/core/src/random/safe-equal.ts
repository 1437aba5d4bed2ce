import { timingSafeEqual } from 'node:crypto';

function toBytes(value: string | Uint8Array): Uint8Array {
  // Same UTF-8 bytes as TextEncoder (lone surrogates become U+FFFD in both),
  // at about a third of the cost on Node 20: this runs on every verification.
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return value;
  throw new TypeError('safeEqual: arguments must be strings or Uint8Arrays');
}

/**
 * Constant-time equality of two secrets. The running time depends only on the
 * byte length of `a` — never on where the inputs differ, and never on `b`'s
 * length — so pass the expected (stored) value as `a` and the attacker-supplied
 * one as `b`.
 *
 * @param a - the expected value
 * @param b - the value to check
 * @returns true when both are byte-for-byte equal
 * @example
 * ```ts
 * if (!safeEqual(storedHash, hashOfPresented)) return unauthorized()
 * ```
 */
export function safeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const left = toBytes(a);
  const right = toBytes(b);
  if (left.byteLength !== right.byteLength) {
    // Same work as a real comparison of `a`, then a guaranteed false.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
