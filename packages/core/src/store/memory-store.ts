import { StoreUnavailableError } from '../errors.js';
import { matchesAnyHash } from '../hashing/match.js';
import type {
  ConsumeResult,
  PutOptions,
  Store,
  StoredRecord,
  UseRequest,
  UseResult,
  WindowCount,
} from './types.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Clock for TTLs and windows (default `Date.now`); inject one in tests. */
  now?: () => number;
  /** How often expired entries are swept, in ms (default 60 000; 0 disables the timer). */
  sweepIntervalMs?: number;
  /**
   * Upper bound on records + counters + index sets (default 10 000 000). When
   * reached, expired entries are swept; if still full, writes reject with
   * `StoreUnavailableError` — evicting live entries would silently revoke
   * credentials or reset brute-force counters.
   */
  maxEntries?: number;
}

interface Entry {
  record: StoredRecord;
  /** Store-clock ms at which the TTL removes the entry (Infinity = never). */
  dropAt: number;
}

interface Counter {
  count: number;
  resetAt: number;
}

interface IndexSet {
  /** One id as a plain string (the common case costs no Set), several as a Set. */
  ids: string | Set<string>;
  dropAt: number;
}

/**
 * In-process store: the zero-setup default. Atomicity comes from doing every
 * check-and-update synchronously (no `await` between read and write), which
 * is exactly one atomic step on Node's single thread. State is per process:
 * use `@tokenkit/redis` when several processes must share it.
 *
 * @example
 * ```ts
 * const store = new MemoryStore()
 * const apiKeys = new ApiKeys({ store, secret: process.env.TOKENKIT_SECRET })
 * ```
 */
export class MemoryStore implements Store {
  private readonly now: () => number;
  private readonly maxEntries: number;
  private readonly records = new Map<string, Map<string, Entry>>();
  private readonly counters = new Map<string, Counter>();
  /**
   * ns → subject → ids. Keyed by the subject string itself rather than a
   * joined `ns\0subject` key: the managers pass the same string object they
   * store in the record (`userId`, `ownerId`…), so the index adds no key
   * string of its own (~32 bytes per subject at 1M records).
   */
  private readonly indexes = new Map<string, Map<string, IndexSet>>();
  private timer: NodeJS.Timeout | undefined;
  private entries = 0;

  /** @param options - clock, sweep interval and size bound */
  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 10_000_000;
    const interval = options.sweepIntervalMs ?? 60_000;
    if (interval > 0) {
      this.timer = setInterval(() => this.sweep(), interval);
      this.timer.unref();
    }
  }

  /** Number of live records, counters and index sets (expired ones may still count until swept). */
  get size(): number {
    return this.entries;
  }

  async put(ns: string, record: StoredRecord, options: PutOptions): Promise<boolean> {
    const table = this.table(ns);
    const existing = table.get(record.id);
    const live = existing !== undefined && existing.dropAt > this.now();
    if (options.ifAbsent && live) return false;
    if (existing === undefined) this.reserve();
    const copy = { ...record };
    copy.hash = flatten(copy.hash);
    table.set(record.id, { record: copy, dropAt: this.dropAt(options.ttlMs) });
    return true;
  }

  async get<R extends StoredRecord>(ns: string, id: string): Promise<R | null> {
    return (this.live(ns, id)?.record as R | undefined) ?? null;
  }

  async update<R extends StoredRecord>(
    ns: string,
    id: string,
    patch: Partial<R>,
    options: { ttlMs?: number | null } = {},
  ): Promise<R | null> {
    const entry = this.live(ns, id);
    if (!entry) return null;
    entry.record = { ...entry.record, ...patch, id: entry.record.id };
    if (options.ttlMs !== undefined) entry.dropAt = this.dropAt(options.ttlMs);
    return entry.record as R;
  }

  async delete(ns: string, id: string): Promise<boolean> {
    const existed = this.live(ns, id) !== undefined;
    this.drop(ns, id);
    return existed;
  }

  async consume<R extends StoredRecord>(
    ns: string,
    id: string,
    hashes: readonly string[],
    now: number,
  ): Promise<ConsumeResult<R>> {
    const entry = this.live(ns, id);
    if (!entry || !matchesAnyHash(entry.record.hash, hashes)) return { ok: false, reason: 'NOT_FOUND' };
    this.drop(ns, id);
    const { record } = entry;
    if (record.expiresAt !== null && now >= record.expiresAt) return { ok: false, reason: 'EXPIRED' };
    return { ok: true, record: record as R };
  }

  async use<R extends StoredRecord>(ns: string, id: string, request: UseRequest): Promise<UseResult<R>> {
    const entry = this.live(ns, id);
    if (!entry || !matchesAnyHash(entry.record.hash, request.hashes)) return { ok: false, reason: 'NOT_FOUND' };
    const record = entry.record;
    if (record.revokedAt != null) return { ok: false, reason: 'REVOKED' };
    if (record.expiresAt !== null && request.now >= record.expiresAt) return { ok: false, reason: 'EXPIRED' };
    if (request.scopes && request.scopes.length > 0) {
      const granted = record.scopes ?? [];
      if (!request.scopes.every((scope) => granted.includes(scope))) {
        return { ok: false, reason: 'INSUFFICIENT_SCOPE' };
      }
    }
    if (record.rateLimit) {
      const window = this.count(`${ns}\u0000rl\u0000${id}`, record.rateLimit.windowMs, 1);
      if (window.count > record.rateLimit.limit) {
        return { ok: false, reason: 'RATE_LIMITED', retryAfterMs: window.resetMs };
      }
    }
    const uses = record.uses ?? 0;
    if (record.maxUses != null && uses >= record.maxUses) return { ok: false, reason: 'EXHAUSTED' };
    if (request.subject !== undefined && record.usedBy?.includes(request.subject)) {
      return { ok: false, reason: 'ALREADY_REDEEMED' };
    }
    if (record.email != null && request.email !== record.email) return { ok: false, reason: 'EMAIL_MISMATCH' };
    if (record.maxUses == null && request.subject === undefined) return { ok: true, record: record as R };
    const next: StoredRecord = { ...record, uses: uses + 1 };
    if (request.subject !== undefined) next.usedBy = [...(record.usedBy ?? []), request.subject];
    entry.record = next;
    if (next.maxUses != null && uses + 1 >= next.maxUses && request.retainMs !== undefined) {
      entry.dropAt = this.dropAt(request.retainMs);
    }
    return { ok: true, record: next as R };
  }

  async hit(ns: string, key: string, windowMs: number, cost = 1): Promise<WindowCount> {
    return this.count(`${ns}\u0000${key}`, windowMs, cost);
  }

  async indexAdd(ns: string, subject: string, id: string, ttlMs: number | null): Promise<void> {
    const dropAt = this.dropAt(ttlMs);
    const sets = this.indexTable(ns);
    const set = sets.get(subject);
    if (!set || set.dropAt <= this.now()) {
      if (!set) this.reserve();
      sets.set(subject, { ids: id, dropAt });
      return;
    }
    if (typeof set.ids === 'string') {
      if (set.ids !== id) set.ids = new Set([set.ids, id]);
    } else {
      set.ids.add(id);
    }
    if (dropAt > set.dropAt) set.dropAt = dropAt;
  }

  async indexMembers(ns: string, subject: string): Promise<string[]> {
    const sets = this.indexes.get(ns);
    const set = sets?.get(subject);
    if (!set) return [];
    if (set.dropAt <= this.now()) {
      sets!.delete(subject);
      this.entries--;
      return [];
    }
    return typeof set.ids === 'string' ? [set.ids] : [...set.ids];
  }

  async indexRemove(ns: string, subject: string, ids: readonly string[]): Promise<void> {
    const sets = this.indexes.get(ns);
    const set = sets?.get(subject);
    if (!set) return;
    if (typeof set.ids === 'string') {
      if (ids.includes(set.ids)) {
        sets!.delete(subject);
        this.entries--;
      }
      return;
    }
    for (const id of ids) set.ids.delete(id);
    if (set.ids.size === 0) {
      sets!.delete(subject);
      this.entries--;
    }
  }

  /** Removes every entry whose TTL has passed. Runs on the unref'd timer. */
  sweep(): void {
    const now = this.now();
    for (const table of this.records.values()) {
      for (const [id, entry] of table) {
        if (entry.dropAt <= now) {
          table.delete(id);
          this.entries--;
        }
      }
    }
    for (const [key, counter] of this.counters) {
      if (counter.resetAt <= now) {
        this.counters.delete(key);
        this.entries--;
      }
    }
    for (const sets of this.indexes.values()) {
      for (const [subject, set] of sets) {
        if (set.dropAt <= now) {
          sets.delete(subject);
          this.entries--;
        }
      }
    }
  }

  /** Every stored record, for tests and debugging (e.g. proving no raw secret is at rest). */
  dump(): Array<{ ns: string; record: StoredRecord }> {
    const out: Array<{ ns: string; record: StoredRecord }> = [];
    for (const [ns, table] of this.records) for (const entry of table.values()) out.push({ ns, record: entry.record });
    return out;
  }

  /** Stops the sweep timer and drops all state. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.records.clear();
    this.counters.clear();
    this.indexes.clear();
    this.entries = 0;
  }

  private table(ns: string): Map<string, Entry> {
    let table = this.records.get(ns);
    if (!table) {
      table = new Map();
      this.records.set(ns, table);
    }
    return table;
  }

  private indexTable(ns: string): Map<string, IndexSet> {
    let sets = this.indexes.get(ns);
    if (!sets) {
      sets = new Map();
      this.indexes.set(ns, sets);
    }
    return sets;
  }

  private live(ns: string, id: string): Entry | undefined {
    const table = this.records.get(ns);
    const entry = table?.get(id);
    if (!entry) return undefined;
    if (entry.dropAt <= this.now()) {
      table!.delete(id);
      this.entries--;
      return undefined;
    }
    return entry;
  }

  private drop(ns: string, id: string): void {
    if (this.records.get(ns)?.delete(id)) this.entries--;
    if (this.counters.delete(`${ns}\u0000rl\u0000${id}`)) this.entries--;
  }

  private count(key: string, windowMs: number, cost: number): WindowCount {
    const now = this.now();
    let counter = this.counters.get(key);
    if (!counter || counter.resetAt <= now) {
      if (!counter) this.reserve();
      counter = { count: 0, resetAt: now + windowMs };
      this.counters.set(key, counter);
    }
    counter.count += cost;
    return { count: counter.count, resetMs: counter.resetAt - now };
  }

  private dropAt(ttlMs: number | null): number {
    return ttlMs === null ? Number.POSITIVE_INFINITY : this.now() + Math.max(0, ttlMs);
  }

  private reserve(): void {
    if (this.entries >= this.maxEntries) {
      this.sweep();
      if (this.entries >= this.maxEntries) {
        throw new StoreUnavailableError(
          `MemoryStore is full (maxEntries=${this.maxEntries}); raise maxEntries or use RedisStore`,
        );
      }
    }
    this.entries++;
  }
}

/**
 * A flat copy of a string. Hashes arrive as concatenations (`tag + '$' +
 * digest`), which V8 keeps as a two-part rope: ~45 bytes more per stored
 * record than one flat string. Records live long, so the store pays a JSON
 * round trip (exact for every string) once at write time to keep them flat.
 *
 * @param value - usually the record's hash
 * @returns the same characters as one flat string (non-strings unchanged)
 */
function flatten<T>(value: T): T {
  return typeof value === 'string' && value.length > 12 ? (JSON.parse(JSON.stringify(value)) as T) : value;
}
