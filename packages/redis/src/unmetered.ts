import { firstUseFailure, type StoredRecord, type UseRequest, type UseResult } from '@tokenkit/core';

/**
 * Remembers, per record key, the last decoded copy of a record that needs no
 * counting (no `maxUses`, no `rateLimit`) together with its version — the
 * `VERSION_FIELD` every write sets to a fresh value. `use()` then verifies
 * such a record with one `HGET key <version field>`: when the version Redis
 * holds is the cached one, the cached copy IS the current record (every
 * change to a record hash goes through this package and replaces or removes
 * the version in the same atomic step), so the checks run on it in Node.
 *
 * Why: the Redis guard is held to at least 90% of the throughput of a route
 * doing one raw `GET`. An `EVALSHA` costs Redis far more CPU than a `GET`,
 * and even a plain `HGETALL` of a ~14-field record costs the Node side
 * noticeably more than a `GET` to parse and decode (`bench/redis-client`
 * measures both); `HGET` of a short version string costs what a `GET` costs. Still one round trip; revocation, rotation, expiry and
 * deletion by any server are seen on the next call, because each of them
 * changes or removes the version (or the whole key).
 *
 * Bounded: at most `limit` records (oldest dropped first), ~1 KB each.
 */
export class VerifiedRecords {
  private readonly records = new Map<string, { version: string; record: StoredRecord }>();

  /** @param limit - most records kept (0 disables the cache) */
  constructor(private readonly limit: number) {}

  /**
   * @param key - the record's Redis key
   * @returns the cached version and record, if any
   */
  get(key: string): { version: string; record: StoredRecord } | undefined {
    return this.records.get(key);
  }

  /**
   * Caches a record the store just read or wrote, when it is unmetered and
   * carries a version; otherwise forgets the key.
   *
   * @param key - the record's Redis key
   * @param version - its version field, or undefined when it has none
   * @param record - the decoded record
   */
  remember(key: string, version: string | undefined, record: StoredRecord): void {
    if (this.limit === 0 || version === undefined || !isUnmetered(record)) {
      this.records.delete(key);
      return;
    }
    if (!this.records.has(key) && this.records.size >= this.limit) {
      const oldest = this.records.keys().next();
      if (!oldest.done) this.records.delete(oldest.value);
    }
    this.records.set(key, { version, record });
  }

  /** @param key - a record key whose cached copy may be stale */
  forget(key: string): void {
    this.records.delete(key);
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
 * The use script's outcome for a record without counters, in Node: core's
 * `firstUseFailure` (hash in constant time → revoked → expired → scopes, the
 * order MemoryStore uses too), then the e-mail binding.
 *
 * @param record - the current record (its cached copy, confirmed by its version)
 * @param request - the use request (without a subject)
 * @returns the same result the script would give
 */
export function checkUnmetered<R extends StoredRecord>(record: R, request: UseRequest): UseResult<R> {
  const failure = firstUseFailure(record, request);
  if (failure !== undefined) return { ok: false, reason: failure };
  if (record.email != null && request.email !== record.email) return { ok: false, reason: 'EMAIL_MISMATCH' };
  return { ok: true, record };
}
