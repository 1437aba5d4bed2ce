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

/** Smallest slot arrays (they double from here): 4 KiB of deadlines per {@link Slots} in an empty store. */
const MIN_SLOTS = 1024;
/** `due` marker: no deadline (`ttlMs: null`). */
const NEVER = 0x7fff_ffff;
/** `due` marker: the exact deadline is in `far` (it does not fit an int32 ms offset from `base`). */
const FAR = -0x8000_0000;
/** Near deadlines (within ±12.4 days of now) that do not fit an offset move `base` rather than go `far`. */
const REBASE_WITHIN = 2 ** 30;

/**
 * Values and their TTL deadlines at small-integer slots, in flat arrays.
 *
 * Why not a `Map<id, { record, dropAt }>`: Node 20 has no pointer compression,
 * so that wrapper is a 40-byte object plus a 16-byte HeapNumber for `dropAt`
 * (epoch ms never fit a Smi): 56 bytes and two heap objects per record, on
 * top of the Map's own ~29-byte entry. Here the Map's value is the slot number
 * (a Smi, stored in the Map entry at no extra cost), the value sits in a plain
 * array (8 bytes) and the deadline in an `Int32Array` (4 bytes, off the JS
 * heap, invisible to the GC): 12 bytes and no object per entry. Measured at
 * 1M reset tokens (record + per-user index entry, `bench/scale/rss-child.mjs`):
 * 411 → 311 bytes of heap and ~480 → ~385 bytes of RSS per token, and three
 * heap objects fewer per token for the GC to mark and the lookups to miss on.
 *
 * Deadlines stay exact to the millisecond: an int32 holds a whole-ms offset
 * from `base` (±24.8 days). `base` moves forward (one O(n) pass, at most every
 * ~12 days of clock time) when a near deadline stops fitting; deadlines that
 * still do not fit (TTLs beyond ~24 days, fractional ms from a custom clock)
 * are kept as doubles in `far`, a `Float64Array` allocated on first need
 * (then 12 bytes per slot instead of 4).
 *
 * Freed slots are reused (LIFO); {@link Slots.compact} gives memory back after
 * mass expiry.
 */
class Slots<T> {
  /** Value per slot; `undefined` in free slots (stored values are never `undefined`). */
  values: Array<T | undefined> = [];
  /** Deadline per slot: whole ms after `base`, or {@link NEVER} / {@link FAR}. */
  private due = new Int32Array(MIN_SLOTS);
  /** Exact deadlines of the {@link FAR} slots; allocated on first need. */
  private far: Float64Array | undefined;
  /** Store-clock ms the offsets in `due` count from (moved to the clock by the first deadline). */
  private base = 0;
  /** Freed slots, reused before the high-water mark grows. */
  private free: number[] = [];
  /** Slots handed out so far (the high-water mark). */
  private used = 0;

  /**
   * @param dropAt - store-clock ms at which the TTL drops the value (Infinity = never)
   * @param now - the store clock now (decides whether `base` should move)
   * @returns the slot now holding `value`
   */
  add(value: T, dropAt: number, now: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.used++;
      if (slot === this.due.length) this.resize(slot * 2);
    }
    this.values[slot] = value;
    this.setDropAt(slot, dropAt, now);
    return slot;
  }

  /** @returns whether the slot's deadline is at or before `now` (its TTL has passed) */
  expired(slot: number, now: number): boolean {
    const due = this.due[slot] as number;
    if (due === FAR) return ((this.far as Float64Array)[slot] as number) <= now;
    return due !== NEVER && this.base + due <= now;
  }

  /** @returns the slot's deadline in store-clock ms (Infinity = never) */
  dropAt(slot: number): number {
    const due = this.due[slot] as number;
    if (due === NEVER) return Number.POSITIVE_INFINITY;
    return due === FAR ? ((this.far as Float64Array)[slot] as number) : this.base + due;
  }

  /** Sets the slot's deadline (see {@link add}). */
  setDropAt(slot: number, dropAt: number, now: number): void {
    if (this.encode(slot, dropAt)) return;
    if (Math.abs(dropAt - now) < REBASE_WITHIN) {
      this.due[slot] = NEVER; // its old deadline is moot: keep rebase() from re-encoding it
      this.rebase(Math.floor(now));
      if (this.encode(slot, dropAt)) return;
    }
    this.toFar(slot, dropAt);
  }

  /** Frees a slot (its Map entry must be deleted by the caller). */
  release(slot: number): void {
    this.values[slot] = undefined;
    this.free.push(slot);
  }

  /** Whether more than half of the handed-out slots are free (and there are enough to bother). */
  get sparse(): boolean {
    return this.used > MIN_SLOTS && this.free.length * 2 > this.used;
  }

  /**
   * Renumbers the live slots densely and shrinks the arrays. Every table that
   * points into these slots must be passed: their entries are rewritten in
   * place (setting an existing key neither adds an entry nor reorders).
   */
  compact(tables: Iterable<Map<string, number>>): void {
    const { values, due, far } = this;
    let capacity = MIN_SLOTS;
    while (capacity < this.used - this.free.length) capacity *= 2;
    this.values = [];
    this.due = new Int32Array(capacity);
    this.far = undefined;
    this.free = [];
    let next = 0;
    for (const table of tables) {
      for (const [key, slot] of table) {
        this.values.push(values[slot]);
        const offset = due[slot] as number;
        if (offset === FAR) {
          this.far ??= new Float64Array(capacity);
          this.far[next] = (far as Float64Array)[slot] as number;
        }
        this.due[next] = offset;
        table.set(key, next++);
      }
    }
    this.used = next;
  }

  /** Drops every value. */
  clear(): void {
    this.values = [];
    this.due = new Int32Array(MIN_SLOTS);
    this.far = undefined;
    this.free = [];
    this.used = 0;
  }

  /** Stores `dropAt` as an offset when it fits one exactly. @returns whether it did */
  private encode(slot: number, dropAt: number): boolean {
    const offset = dropAt - this.base;
    if ((offset | 0) === offset && offset !== FAR && offset !== NEVER) {
      this.due[slot] = offset;
      return true;
    }
    if (dropAt === Number.POSITIVE_INFINITY) {
      this.due[slot] = NEVER;
      return true;
    }
    return false;
  }

  /** Re-encodes every live deadline against a new `base` (exact: what no longer fits goes `far`). */
  private rebase(base: number): void {
    const old = this.base;
    this.base = base;
    for (let slot = 0; slot < this.used; slot++) {
      const due = this.due[slot] as number;
      if (due === NEVER || this.values[slot] === undefined) continue;
      const dropAt = due === FAR ? ((this.far as Float64Array)[slot] as number) : old + due;
      if (!this.encode(slot, dropAt)) this.toFar(slot, dropAt);
    }
  }

  private toFar(slot: number, dropAt: number): void {
    this.far ??= new Float64Array(this.due.length);
    this.far[slot] = dropAt;
    this.due[slot] = FAR;
  }

  private resize(capacity: number): void {
    const due = new Int32Array(capacity);
    due.set(this.due);
    this.due = due;
    if (this.far) {
      const far = new Float64Array(capacity);
      far.set(this.far);
      this.far = far;
    }
  }
}

/**
 * In-process store: the zero-setup default. Atomicity comes from doing every
 * check-and-update synchronously (no `await` between read and write), which
 * is exactly one atomic step on Node's single thread. State is per process:
 * use `@tokenkit/redis` when several processes must share it.
 *
 * Memory: records are kept as the copy `put` made, keyed by id in a `Map`
 * whose values are slot numbers into {@link Slots} (record + TTL deadline, no
 * wrapper object). Measured with `bench/scale/rss-child.mjs` at 1M records on
 * Node 20: 381–397 bytes of RSS (311 of heap) per reset token including its
 * per-user index entry, against 315–349 (261) for a bare `Map` of similar
 * records; what remains is the record itself (~232 bytes: object, hash, id,
 * subject, two timestamps as HeapNumbers) and two ~29-byte Map entries.
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
   * (`userId`, `ownerId`…), so the index adds no key string of its own (~32
   * bytes per subject at 1M records).
   */
  private readonly indexes = new Map<string, Map<string, number>>();
  private readonly indexSlots = new Slots<string | Set<string>>();
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
    const slots = this.recordSlots;
    const slot = table.get(record.id);
    const now = this.now();
    if (options.ifAbsent && slot !== undefined && !slots.expired(slot, now)) return false;
    if (slot === undefined) this.reserve();
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
    options: { ttlMs?: number | null } = {},
  ): Promise<R | null> {
    const slot = this.live(ns, id);
    if (slot < 0) return null;
    const slots = this.recordSlots;
    const current = slots.values[slot] as StoredRecord;
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
    if (record.rateLimit) {
      // count() may sweep expired entries when the store is full, but never
      // renumbers slots (only sweep() compacts), so `slot` stays valid.
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
    slots.values[slot] = next;
    if (next.maxUses != null && uses + 1 >= next.maxUses && request.retainMs !== undefined) {
      const now = this.now();
      slots.setDropAt(slot, deadline(now, request.retainMs), now);
    }
    return { ok: true, record: next as R };
  }

  async hit(ns: string, key: string, windowMs: number, cost = 1): Promise<WindowCount> {
    return this.count(`${ns}\u0000${key}`, windowMs, cost);
  }

  async indexAdd(ns: string, subject: string, id: string, ttlMs: number | null): Promise<void> {
    const now = this.now();
    const dropAt = deadline(now, ttlMs);
    const sets = this.indexTable(ns);
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
    this.entries = 0;
  }

  private table(ns: string): Map<string, number> {
    let table = this.records.get(ns);
    if (!table) {
      table = new Map();
      this.records.set(ns, table);
    }
    return table;
  }

  private indexTable(ns: string): Map<string, number> {
    let sets = this.indexes.get(ns);
    if (!sets) {
      sets = new Map();
      this.indexes.set(ns, sets);
    }
    return sets;
  }

  /** @returns the record's slot, or -1 when it is absent or past its TTL (then dropped) */
  private live(ns: string, id: string): number {
    const table = this.records.get(ns);
    const slot = table?.get(id);
    if (slot === undefined) return -1;
    if (this.recordSlots.expired(slot, this.now())) {
      this.unlink(table!, id, this.recordSlots, slot);
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
  }

  /**
   * Deletes every entry whose TTL has passed. Never renumbers slots, so the
   * synchronous operations that call it (through `reserve`) may hold a slot
   * across the call.
   */
  private expire(): void {
    const now = this.now();
    this.expireTables(this.records, this.recordSlots, now);
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

/** @returns the store-clock ms at which a TTL of `ttlMs` from `now` ends (Infinity = never) */
function deadline(now: number, ttlMs: number | null): number {
  return ttlMs === null ? Number.POSITIVE_INFINITY : now + Math.max(0, ttlMs);
}

/** Per record shape (its field names), the JSON text of an object with those fields. */
const templates = new Map<string, string>();
/** Record shapes are few (one per manager and version); a bound keeps odd callers from growing the cache. */
const MAX_TEMPLATES = 64;

/**
 * The store's own copy of a record. Why not `{ ...record }`: one
 * `put` site sees every record shape (keys, reset tokens, invitations), so
 * V8's spread-clone cache goes megamorphic and every copy gets 4 in-object
 * fields plus a separate property array — one more dependent memory read on
 * every verification, and ~16 bytes more per API key. `JSON.parse` of a
 * template with the record's field names sizes the object to its exact field
 * count; the values are then assigned, keeping the original top-level strings
 * (which the indexes already hold) rather than copies. The hash is made flat:
 * hashes arrive as `tag + '$' + digest` ropes, ~45 bytes more each. Nested
 * values are copied too (below). Measured with bench/scale at 1M keys on our
 * 2-vCPU machines: ~1 µs less per verification (4.8 → 3.8 µs, median of five
 * runs each) at the same RSS per reset token. Records are JSON by
 * contract (RedisStore stores every field as JSON text), so the copies are exact.
 *
 * @param record - a record as written
 * @returns a copy with the same own fields
 */
function ownCopy<T extends StoredRecord>(record: T): T {
  const keys = Object.keys(record);
  const signature = JSON.stringify(keys);
  let template = templates.get(signature);
  if (template === undefined) {
    // JSON.parse makes every name an own data field (`__proto__` too), so
    // Object.assign below writes fields and never reaches a setter.
    template = JSON.stringify(Object.fromEntries(keys.map((key) => [key, 0])));
    if (templates.size < MAX_TEMPLATES) templates.set(signature, template);
  }
  const copy: Record<string, unknown> = Object.assign(JSON.parse(template) as Record<string, unknown>, record);
  copy['hash'] = flatten(record.hash);
  // Nested values (scopes, meta, usedBy) are JSON by contract: copied here, they
  // are allocated right beside the record, so a verification reads nearby memory.
  for (const key of keys) {
    const value = copy[key];
    if (typeof value === 'object' && value !== null) copy[key] = JSON.parse(JSON.stringify(value));
  }
  return copy as T;
}

/**
 * A flat copy of a string (a JSON round trip is exact for every string).
 *
 * @param value - usually the record's hash
 * @returns the same characters as one flat string (non-strings unchanged)
 */
function flatten<T>(value: T): T {
  return typeof value === 'string' && value.length > 12 ? (JSON.parse(JSON.stringify(value)) as T) : value;
}
