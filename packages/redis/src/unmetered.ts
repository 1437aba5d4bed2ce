import { matchesAnyHash, type StoredRecord, type UseRequest, type UseResult } from '@tokenkit/core';

const MAX_TRACKED = 100_000;

/**
 * Remembers which records need no counting (no `maxUses`, no `rateLimit`),
 * so that `use()` can verify them with one plain `HGETALL` instead of a Lua
 * script. Why: on Redis 7 an `EVALSHA` costs ~10–20 µs of server CPU against
 * ~1 µs for `HGETALL`, and most API keys are unmetered — the script's
 * atomicity only matters when something is counted. Still one round trip.
 *
 * Soundness: the metering fields are written once at creation (managers never
 * patch them), so "unmetered" never becomes false for a live record; as a
 * guard, a fast-path read that finds a metering field drops the id and falls
 * back to the script, and `put`/`update` of a record here forget it.
 */
export class UnmeteredIds {
  private readonly ids = new Set<string>();

  /** @param key - the record's Redis key */
  has(key: string): boolean {
    return this.ids.has(key);
  }

  /** @param key - a record key the script just returned as unmetered */
  add(key: string): void {
    if (this.ids.size >= MAX_TRACKED) this.ids.clear();
    this.ids.add(key);
  }

  /** @param key - a record key whose metering may have changed */
  forget(key: string): void {
    this.ids.delete(key);
  }
}

/**
 * @param record - a decoded record
 * @returns true when `use()` would never write it (nothing to count)
 */
export function isUnmetered(record: StoredRecord): boolean {
  return record.maxUses == null && record.rateLimit == null;
}

/**
 * The use script's check order for a record without counters, in Node:
 * hash (constant time) → revoked → expired → scopes → email.
 *
 * @param record - the record read with HGETALL (null when absent)
 * @param request - the use request (without a subject)
 * @returns the same result the script would give
 */
export function checkUnmetered<R extends StoredRecord>(record: R | null, request: UseRequest): UseResult<R> {
  if (record === null || typeof record.hash !== 'string' || !matchesAnyHash(record.hash, request.hashes)) {
    return { ok: false, reason: 'NOT_FOUND' };
  }
  if (record.revokedAt != null) return { ok: false, reason: 'REVOKED' };
  if (record.expiresAt != null && request.now >= record.expiresAt) return { ok: false, reason: 'EXPIRED' };
  if (request.scopes && request.scopes.length > 0) {
    const granted = Array.isArray(record.scopes) ? record.scopes : [];
    for (const scope of request.scopes) if (!granted.includes(scope)) return { ok: false, reason: 'INSUFFICIENT_SCOPE' };
  }
  if (record.email != null && request.email !== record.email) return { ok: false, reason: 'EMAIL_MISMATCH' };
  return { ok: true, record };
}
