import { matchesAnyHash } from '../hashing/match.js';
import type { StoredRecord, UseFailure, UseRequest } from './types.js';

/**
 * The checks of `Store.use` that read only the record itself, in the
 * contract's order: hash (constant time, every candidate; a rotated-away
 * `previousHash` counts until its grace ends) → `revokedAt` → `expiresAt`
 * (or the previous credential's grace end) → scopes. Counting (rate limit, `maxUses`, `usedBy`) and the
 * e-mail check follow in the store. Shared by `MemoryStore` and by
 * `RedisStore`'s cached path, so the two cannot drift apart; the Lua script
 * implements the same order and a differential test holds them equal.
 *
 * @param record - the stored record
 * @param request - the use request
 * @returns the first failure, or undefined when the record passes all four
 * @example
 * ```ts
 * const failure = firstUseFailure(record, request)
 * if (failure) return { ok: false, reason: failure }
 * ```
 */
export function firstUseFailure(record: StoredRecord, request: UseRequest): UseFailure | undefined {
  const match = matchRecord(record, request.hashes, request.now);
  if (match === 'none') return 'NOT_FOUND';
  if (record.revokedAt != null) return 'REVOKED';
  if (match === 'previous-expired' || (record.expiresAt != null && request.now >= record.expiresAt)) return 'EXPIRED';
  const wanted = request.scopes;
  if (wanted && wanted.length > 0) {
    const granted = Array.isArray(record.scopes) ? record.scopes : [];
    for (const scope of wanted) if (!granted.includes(scope)) return 'INSUFFICIENT_SCOPE';
  }
  return undefined;
}

/** How presented hashes relate to a record: see {@link matchRecord}. */
export type HashMatch = 'none' | 'match' | 'previous-expired';

/**
 * Matches presented hashes against a record: its `hash`, or its
 * `previousHash` (the credential a rotation replaced) while
 * `now < previousHashExpiresAt`. A previous credential past that instant is
 * reported as such, so the caller answers `EXPIRED` rather than `NOT_FOUND`
 * ("your old key ran out"). Every comparison runs whenever a previous hash
 * exists, so timing does not tell which credential matched.
 *
 * @param record - the stored record
 * @param hashes - candidate hashes of the presented credential
 * @param now - the caller's clock (epoch ms)
 * @returns `'match'`, `'previous-expired'` or `'none'`
 */
export function matchRecord(record: StoredRecord, hashes: readonly string[], now: number): HashMatch {
  if (typeof record.hash !== 'string') return 'none';
  const current = matchesAnyHash(record.hash, hashes);
  const previous = record.previousHash;
  if (typeof previous !== 'string') return current ? 'match' : 'none';
  const old = matchesAnyHash(previous, hashes);
  if (current) return 'match';
  if (!old) return 'none';
  return record.previousHashExpiresAt != null && now < record.previousHashExpiresAt ? 'match' : 'previous-expired';
}
