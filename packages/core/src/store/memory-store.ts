import { StoreUnavailableError } from '../errors.js';
import { matchesAnyHash } from '../hashing/match.js';
import type {
  ConsumeResult,
  PutOptions,
  Store,
  StoredRecord,
  UpdateOptions,
  UsedByPage,
  UsedByPageOptions,
  UseRequest,
  UseResult,
  WindowCount,
} from './types.js';
import { ownCopy } from './memory/record-copy.js';
import { deadline, Slots } from './memory/slots.js';
import { UsedBySets } from './memory/used-by.js';
import { firstUseFailure } from './use-checks.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Clock for TTLs and windows (default `Date.now`); inject one in tests. */
  now?: (() => number) | undefined;
  /** How often expired entries are swept, in ms (default 60 000; 0 disables the timer). */
  sweepIntervalMs?: number | undefined;
  /**
   * Upper bound on records + counters + index sets (default 10 000 000). When
   * reached, expired entries are swept; if still full, writes reject with
   * `StoreUnavailableError` — evicting live entries would silently revoke
   * credentials or reset brute-force counters.
   */
  maxEntries?: number | undefined;
}

interface Counter {
  count: number;
  resetAt: number;
}

/**
 * In-process store: the zero-setup default. Atomicity comes from doing every
 * check-and-update synchronously (no `await` between read and write), which
 * is exactly one atomic step on Node's single thread. State is per process:
 * use `@tokenkit/redis` when several processes must share it.
 *
 * Layout: each namespace is a `Map` from id to a slot number in
 * {@link Slots} (record + TTL deadline, no wrapper object; see
 * `memory/slots.ts`); records are kept as the copy `put` made
 * (`memory/record-copy.ts`); used-by sets live beside the records
 * (`memory/used-by.ts`). `bench/scale/rss-child.mjs` measures the RSS per
 * record at 1M records (bench/RESULTS.md, "Scale").
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
  /** ns → id → slot in {@link recordSlots}. */
  private readonly records = new Map<string, Map<string, number>>();
  private readonly recordSlots = new Slots<StoredRecord>();
  private readonly counters = new Map<string, Counter>();
  /**
   * ns → subject → slot in {@link indexSlots}, whose value is the subject's
   * one id as a plain string (the common case costs no Set) or a Set of ids.
   * Keyed by the subject string itself rather than a joined `ns\0subject`
   * key: the managers pass the same string object they store in the record
   * (`userId`, `ownerId`…), so the index adds no key string of its own.
   */
  private readonly indexes = new Map<string, Map<string, number>>();
  private readonly indexSlots = new Slots<string | Set<string>>();
  /** Who has used each record with a subject (`use` with `subject`); never copied into the record. */
  private readonly usedSets = new UsedBySets();
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
    const table = tableOf(this.records, ns);
    const slots = this.recordSlots;
    const slot = table.get(record.id);
    const now = this.now();
    if (options.ifAbsent && slot !== undefined && !slots.expired(slot, now)) return false;
    if (slot === undefined) this.reserve();
    // A new record starts with nobody in its used-by set.
    this.usedSets.forget(ns, record.id);
    const copy = ownCopy(record);
    const dropAt = deadline(now, options.ttlMs);
    if (slot === undefined) {
      // Keyed by the copy's own id string: the lookup's key compare and the view's id then read one string, not two.
      table.set(copy.id, slots.add(copy, dropAt, now));
    } else {
      slots.values[slot] = copy;
      slots.setDropAt(slot, dropAt, now);
    }
    return true;
  }

  async get<R extends StoredRecord>(ns: string, id: string): Promise<R | null> {
    const slot = this.live(ns, id);
    return slot < 0 ? null : (this.recordSlots.values[slot] as R);
  }

  async update<R extends StoredRecord>(
    ns: string,
    id: string,
    patch: Partial<R>,
    options: UpdateOptions = {},
  ): Promise<R | null> {
    const slot = this.live(ns, id);
    if (slot < 0) return null;
    const slots = this.recordSlots;
    const current = slots.values[slot] as StoredRecord;
    if (options.ifHash !== undefined && current.hash !== options.ifHash) return null;
    const merged = ownCopy({ ...current, ...patch, id: current.id });
    slots.values[slot] = merged;
    if (options.ttlMs !== undefined) {
      const now = this.now();
      slots.setDropAt(slot, deadline(now, options.ttlMs), now);
    }
    return merged as R;
  }

  async delete(ns: string, id: string): Promise<boolean> {
    const existed = this.live(ns, id) >= 0;
    this.drop(ns, id);
    return existed;
  }

  async consume<R extends StoredRecord>(
    ns: string,
    id: string,
    hashes: readonly string[],
    now: number,
  ): Promise<ConsumeResult<R>> {
    const slot = this.live(ns, id);
    if (slot < 0) return { ok: false, reason: 'NOT_FOUND' };
    const record = this.recordSlots.values[slot] as StoredRecord;
    if (!matchesAnyHash(record.hash, hashes)) return { ok: false, reason: 'NOT_FOUND' };
    this.drop(ns, id);
    if (record.expiresAt !== null && now >= record.expiresAt) return { ok: false, reason: 'EXPIRED' };
    return { ok: true, record: record as R };
  }

  /** Answers synchronously (see `Store.use`): the API-key guard then needs no extra promise hop. */
  use<R extends StoredRecord>(ns: string, id: string, request: UseRequest): UseResult<R> {
    const slot = this.live(ns, id);
    if (slot < 0) return { ok: false, reason: 'NOT_FOUND' };
    const slots = this.recordSlots;
    const record = slots.values[slot] as StoredRecord;
    const failure = firstUseFailure(record, request);
    if (failure !== undefined) return { ok: false, reason: failure };
    let rateWindow: WindowCount | undefined;
    if (record.rateLimit) {
      // count() may sweep expired entries when the store is full, but never
      // renumbers slots (only sweep() compacts), so `slot` stays valid.
      const window = this.count(`${ns}\u0000rl\u0000${id}`, record.rateLimit.windowMs, 1);
      if (window.count > record.rateLimit.limit) {
        return { ok: false, reason: 'RATE_LIMITED', retryAfterMs: window.resetMs, rateLimit: { ...record.rateLimit } };
      }
      rateWindow = window;
    }
    const uses = record.uses ?? 0;
    if (record.maxUses != null && uses >= record.maxUses) return { ok: false, reason: 'EXHAUSTED' };
    const subject = request.subject;
    const used = subject === undefined ? undefined : this.usedSets.find(ns, id);
    if (subject !== undefined && used?.members.has(subject)) return { ok: false, reason: 'ALREADY_REDEEMED' };
    if (record.email != null && request.email !== record.email) return { ok: false, reason: 'EMAIL_MISMATCH' };
    if (record.maxUses == null && subject === undefined) {
      return rateWindow ? { ok: true, record: record as R, window: rateWindow } : { ok: true, record: record as R };
    }
    const next: StoredRecord = { ...record, uses: uses + 1 };
    if (subject !== undefined) this.usedSets.add(ns, id, subject, used);
    slots.values[slot] = next;
    if (next.maxUses != null && uses + 1 >= next.maxUses && request.retainMs !== undefined) {
      const now = this.now();
      slots.setDropAt(slot, deadline(now, request.retainMs), now);
    }
    return rateWindow ? { ok: true, record: next as R, window: rateWindow } : { ok: true, record: next as R };
  }

  async usedBy(ns: string, id: string, options: UsedByPageOptions = {}): Promise<UsedByPage> {
    return this.usedSets.page(this.live(ns, id) < 0 ? undefined : this.usedSets.find(ns, id), options);
  }

  async hit(ns: string, key: string, windowMs: number, cost = 1): Promise<WindowCount> {
    return this.count(`${ns}\u0000${key}`, windowMs, cost);
  }

  async indexAdd(ns: string, subject: string, id: string, ttlMs: number | null): Promise<void> {
    const now = this.now();
    const dropAt = deadline(now, ttlMs);
    const sets = tableOf(this.indexes, ns);
    const slots = this.indexSlots;
    const slot = sets.get(subject);
    if (slot === undefined) {
      this.reserve();
      sets.set(subject, slots.add(id, dropAt, now));
      return;
    }
    if (slots.expired(slot, now)) {
      slots.values[slot] = id;
      slots.setDropAt(slot, dropAt, now);
      return;
    }
    const ids = slots.values[slot] as string | Set<string>;
    if (typeof ids === 'string') {
      if (ids !== id) slots.values[slot] = new Set([ids, id]);
    } else {
      ids.add(id);
    }
    // The set lives until the latest deadline of its members (never shortened).
    if (dropAt > slots.dropAt(slot)) slots.setDropAt(slot, dropAt, now);
  }

  async indexMembers(ns: string, subject: string): Promise<string[]> {
    const sets = this.indexes.get(ns);
    const slot = sets?.get(subject);
    if (slot === undefined) return [];
    const slots = this.indexSlots;
    if (slots.expired(slot, this.now())) {
      this.unlink(sets!, subject, slots, slot);
      return [];
    }
    const ids = slots.values[slot] as string | Set<string>;
    return typeof ids === 'string' ? [ids] : [...ids];
  }

  async indexRemove(ns: string, subject: string, ids: readonly string[]): Promise<void> {
    const sets = this.indexes.get(ns);
    const slot = sets?.get(subject);
    if (slot === undefined) return;
    const slots = this.indexSlots;
    const members = slots.values[slot] as string | Set<string>;
    if (typeof members === 'string') {
      if (!ids.includes(members)) return;
    } else {
      for (const id of ids) members.delete(id);
      if (members.size > 0) return;
    }
    this.unlink(sets!, subject, slots, slot);
  }

  /**
   * Removes every entry whose TTL has passed, then compacts the slot arrays
   * when more than half of them are free. Runs on the unref'd timer.
   */
  sweep(): void {
    this.expire();
    if (this.recordSlots.sparse) this.recordSlots.compact(this.records.values());
    if (this.indexSlots.sparse) this.indexSlots.compact(this.indexes.values());
  }

  /** Every stored record, for tests and debugging (e.g. proving no raw secret is at rest). */
  dump(): Array<{ ns: string; record: StoredRecord }> {
    const out: Array<{ ns: string; record: StoredRecord }> = [];
    const values = this.recordSlots.values;
    for (const [ns, table] of this.records) {
      for (const slot of table.values()) out.push({ ns, record: values[slot] as StoredRecord });
    }
    return out;
  }

  /** Stops the sweep timer and drops all state. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.records.clear();
    this.recordSlots.clear();
    this.counters.clear();
    this.indexes.clear();
    this.indexSlots.clear();
    this.usedSets.clear();
    this.entries = 0;
  }

  /** @returns the record's slot, or -1 when it is absent or past its TTL (then dropped) */
  private live(ns: string, id: string): number {
    const table = this.records.get(ns);
    const slot = table?.get(id);
    if (slot === undefined) return -1;
    if (this.recordSlots.expired(slot, this.now())) {
      this.unlink(table!, id, this.recordSlots, slot);
      this.usedSets.forget(ns, id);
      return -1;
    }
    return slot;
  }

  /** Deletes `key` from its table and frees its slot. */
  private unlink<T>(table: Map<string, number>, key: string, slots: Slots<T>, slot: number): void {
    table.delete(key);
    slots.release(slot);
    this.entries--;
  }

  private drop(ns: string, id: string): void {
    const table = this.records.get(ns);
    const slot = table?.get(id);
    if (slot !== undefined) this.unlink(table!, id, this.recordSlots, slot);
    if (this.counters.delete(`${ns}\u0000rl\u0000${id}`)) this.entries--;
    this.usedSets.forget(ns, id);
  }

  /**
   * Deletes every entry whose TTL has passed. Never renumbers slots, so the
   * synchronous operations that call it (through `reserve`) may hold a slot
   * across the call.
   */
  private expire(): void {
    const now = this.now();
    this.expireTables(this.records, this.recordSlots, now);
    // Used-by sets whose record is gone (expired above) go with it.
    if (this.usedSets.size > 0) this.usedSets.prune((ns, id) => this.records.get(ns)?.get(id) !== undefined);
    for (const [key, counter] of this.counters) {
      if (counter.resetAt <= now) {
        this.counters.delete(key);
        this.entries--;
      }
    }
    this.expireTables(this.indexes, this.indexSlots, now);
  }

  /** Drops the expired entries of every namespace's table (records or index sets) and frees their slots. */
  private expireTables<T>(tables: Map<string, Map<string, number>>, slots: Slots<T>, now: number): void {
    for (const table of tables.values()) {
      for (const [key, slot] of table) {
        if (slots.expired(slot, now)) this.unlink(table, key, slots, slot);
      }
    }
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

  private reserve(): void {
    if (this.entries >= this.maxEntries) {
      this.expire();
      if (this.entries >= this.maxEntries) {
        throw new StoreUnavailableError(
          `MemoryStore is full (maxEntries=${this.maxEntries}); raise maxEntries or use RedisStore`,
        );
      }
    }
    this.entries++;
  }
}

/** @returns the namespace's table (id or subject → slot), created on first use */
function tableOf(tables: Map<string, Map<string, number>>, ns: string): Map<string, number> {
  let table = tables.get(ns);
  if (!table) {
    table = new Map();
    tables.set(ns, table);
  }
  return table;
}
