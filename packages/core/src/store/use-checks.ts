import { matchesAnyHash } from '../hashing/match.js';
import type { StoredRecord, UseFailure, UseRequest } from './types.js';

/**
 * The checks of `Store.use` that read only the record itself, in the
 * contract's order: hash (constant time, every candidate) → `revokedAt` →
 * `expiresAt` → scopes. Counting (rate limit, `maxUses`, `usedBy`) and the
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
  if (typeof record.hash !== 'string' || !matchesAnyHash(record.hash, request.hashes)) return 'NOT_FOUND';
  if (record.revokedAt != null) return 'REVOKED';
  if (record.expiresAt != null && request.now >= record.expiresAt) return 'EXPIRED';
  const wanted = request.scopes;
  if (wanted && wanted.length > 0) {
    const granted = Array.isArray(record.scopes) ? record.scopes : [];
    for (const scope of wanted) if (!granted.includes(scope)) return 'INSUFFICIENT_SCOPE';
  }
  return undefined;
}
