import { checkByteCount, freshBytes, ownedBytes, POOL_LIMIT, poolBuffer, reserve } from './pool.js';

/**
 * Cryptographically secure random bytes (like Python's `secrets.token_bytes`).
 *
 * @param nbytes - how many bytes, 1..1 MiB (default 32)
 * @returns a new `Uint8Array`
 * @example
 * ```ts
 * const key = tokenBytes(32)
 * ```
 */
export function tokenBytes(nbytes = 32): Uint8Array {
  checkByteCount(nbytes, 'tokenBytes');
  return ownedBytes(nbytes);
}

/**
 * Random token as lowercase hex (`2 * nbytes` characters).
 *
 * @param nbytes - entropy in bytes, 1..1 MiB (default 32 = 256 bits)
 * @returns the hex string
 * @example
 * ```ts
 * tokenHex(16) // 'f9bf78b9a18ce6d46a0cd2b0b86df9da'
 * ```
 */
export function tokenHex(nbytes = 32): string {
  checkByteCount(nbytes, 'tokenHex');
  if (nbytes > POOL_LIMIT) return freshBytes(nbytes).toString('hex');
  const start = reserve(nbytes);
  return poolBuffer().toString('hex', start, start + nbytes);
}

/**
 * Random URL-safe token: base64url without padding (32 bytes → 43 characters).
 *
 * @param nbytes - entropy in bytes, 1..1 MiB (default 32 = 256 bits)
 * @returns the base64url string
 * @example
 * ```ts
 * const state = tokenUrlsafe() // 'Drmhze6EPcv0fN_81Bj-nA...'
 * ```
 */
export function tokenUrlsafe(nbytes = 32): string {
  checkByteCount(nbytes, 'tokenUrlsafe');
  if (nbytes > POOL_LIMIT) return freshBytes(nbytes).toString('base64url');
  const start = reserve(nbytes);
  return poolBuffer().toString('base64url', start, start + nbytes);
}
