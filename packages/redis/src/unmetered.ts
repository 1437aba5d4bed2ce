import { firstUseFailure, type StoredRecord, type UseRequest, type UseResult } from '@tokenkit/core';

/** A cached record: its version and, when trusted without a round trip, the tracking epoch it was read in. */
export interface CachedRecord {
  readonly version: string;
  readonly record: StoredRecord;
  /** The {@link VerifiedRecords.epoch} this copy is trusted in, or -1 (confirm its version with one HGET). */
  epoch: number;
}

/** Reads in flight for one key: how many, and whether an invalidation for the key arrived meanwhile. */
interface InFlight {
  n: number;
  dirty: boolean;
}

/** Returned by {@link VerifiedRecords.begin} when no read can become trusted (the channel is down). */
export const UNTRUSTED = -1;

/**
 * Remembers, per record key, the last decoded copy of a record that needs no
 * counting (no `maxUses`, no `rateLimit`) together with its version — the
 * `VERSION_FIELD` every write sets to a fresh value. Two levels of trust:
 *
 * - **Trusted** (zero round trips): while the invalidation channel (see
 *   `InvalidationChannel`) is healthy, a copy read in the current epoch is
 *   the current record until Redis says otherwise — every write to a key
 *   under the store prefix makes the server push an invalidation for it, and
 *   that removes the copy. `use()` then answers from memory.
 * - **Version-checked** (one `HGET key <version field>`): otherwise. When the
 *   version Redis holds is the cached one, the cached copy IS the current
 *   record (every change to a record hash goes through this package and
 *   replaces or removes the version in the same atomic step).
 *
 * Exactness of the trusted level rests on three rules:
 * 1. the epoch changes (and the map empties) whenever the channel breaks, is
 *    re-established, or the server flushes: nothing read before counts;
 * 2. a read becomes trusted only if it started while the channel was healthy
 *    (so the server already tracked the prefix when it ran the read) and no
 *    invalidation for its key arrived while it was in flight — the reply and
 *    the invalidation travel on different connections, so an invalidation
 *    may overtake the (stale) reply; {@link begin}/{@link end} catch that;
 * 3. an invalidation deletes the copy, whatever its level.
 *
 * Bounded: at most `limit` records (oldest dropped first), ~1 KB each.
 */
export class VerifiedRecords {
  private readonly records = new Map<string, CachedRecord>();
  private readonly inFlight = new Map<string, InFlight>();
  /** Changes whenever trust is lost, regained or reset: copies and reads of an older epoch are not trusted. */
  epoch = 0;
  /** Whether the invalidation channel is healthy (trusted copies may be served). */
  trusting = false;
  /**
   * Monotonic ms until which trusted copies may be served: every invalidation
   * connection answered a PING less than the lease ago, so everything Redis
   * queued for us before that PING has arrived. A server that stops answering
   * (a stall, a partition without a reset) ends trust within the lease, long
   * before the heartbeat timeout closes the connection.
   */
  leaseUntil = 0;
  /** Invalidated keys received (tests and the bench wait on this). */
  invalidations = 0;
  /** Times the whole cache was dropped (channel down or up, topology change, flush). */
  resets = 0;
  /** Called with each invalidated key (null: everything); tests wait on it. */
  readonly observers = new Set<(key: string | null) => void>();

  /** @param limit - most records kept (0 disables the cache) */
  constructor(readonly limit: number) {}

  /** Records held. */
  get size(): number {
    return this.records.size;
  }

  /**
   * @param key - the record's Redis key
   * @returns the cached version and record, if any
   */
  get(key: string): CachedRecord | undefined {
    return this.records.get(key);
  }

  /**
   * @param entry - a cached copy
   * @returns whether it may be used without any round trip
   */
  isTrusted(entry: CachedRecord): boolean {
    return this.trusting && entry.epoch === this.epoch && performance.now() < this.leaseUntil;
  }

  /**
   * Marks the start of a read of `key` whose reply may be cached as trusted.
   * Every call returning an epoch other than {@link UNTRUSTED} must be paired
   * with one {@link end}.
   *
   * @param key - the record's Redis key
   * @returns the epoch the read started in, or UNTRUSTED
   */
  begin(key: string): number {
    if (!this.trusting || this.limit === 0) return UNTRUSTED;
    const flight = this.inFlight.get(key);
    if (flight === undefined) this.inFlight.set(key, { n: 1, dirty: false });
    else flight.n++;
    return this.epoch;
  }

  /**
   * @param key - the record's Redis key
   * @param started - what {@link begin} returned
   * @returns the epoch the reply is trusted in, or UNTRUSTED when the channel
   *   broke or an invalidation for the key arrived while the read was in flight
   */
  end(key: string, started: number): number {
    if (started === UNTRUSTED) return UNTRUSTED;
    const flight = this.inFlight.get(key);
    let clean = false;
    if (flight !== undefined) {
      clean = !flight.dirty;
      if (--flight.n === 0) this.inFlight.delete(key);
    }
    return clean && this.trusting && started === this.epoch ? started : UNTRUSTED;
  }

  /**
   * Caches a record the store just read or wrote, when it is unmetered and
   * carries a version; otherwise forgets the key.
   *
   * @param key - the record's Redis key
   * @param version - its version field, or undefined when it has none
   * @param record - the decoded record
   * @param epoch - from {@link end}: the epoch it is trusted in, or UNTRUSTED
   */
  remember(key: string, version: string | undefined, record: StoredRecord, epoch = UNTRUSTED): void {
    if (this.limit === 0 || version === undefined || !isUnmetered(record)) {
      this.records.delete(key);
      return;
    }
    if (!this.records.has(key) && this.records.size >= this.limit) {
      const oldest = this.records.keys().next();
      if (!oldest.done) this.records.delete(oldest.value);
    }
    this.records.set(key, { version, record, epoch });
  }

  /**
   * A local write to `key`: drops its copy and keeps any read of it now in
   * flight from becoming trusted.
   *
   * @param key - a record key whose cached copy may be stale
   */
  forget(key: string): void {
    this.records.delete(key);
    const flight = this.inFlight.get(key);
    if (flight !== undefined) flight.dirty = true;
  }

  /**
   * The server reported a change of `key` (or, for null, a flush of everything).
   *
   * @param key - the changed key, or null
   */
  invalidate(key: string | null): void {
    this.invalidations++;
    if (this.observers.size > 0) for (const observer of this.observers) observer(key);
    if (key === null) {
      this.reset(this.trusting);
      return;
    }
    this.forget(key);
  }

  /**
   * Empties the cache and starts a new epoch.
   *
   * @param trusting - whether the channel is healthy from now on
   */
  reset(trusting: boolean): void {
    this.epoch++;
    this.resets++;
    this.trusting = trusting;
    // A new lease comes with the next PONG of every invalidation connection.
    this.leaseUntil = 0;
    this.records.clear();
    for (const flight of this.inFlight.values()) flight.dirty = true;
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
