// Deadline slots: the packed storage under MemoryStore's Maps (see Slots).

/** Smallest slot arrays (they double from here): 4 KiB of deadlines per {@link Slots} in an empty store. */
export const MIN_SLOTS = 1024;
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
 * (epoch ms never fit a Smi): two heap objects per record on top of the Map's
 * own entry. Here the Map's value is the slot number (a Smi, stored in the Map
 * entry at no extra cost), the value sits in a plain array (8 bytes) and the
 * deadline in an `Int32Array` (4 bytes, off the JS heap, invisible to the GC):
 * no object per entry, and fewer heap objects for the GC to mark and the
 * lookups to miss on. `bench/scale/rss-child.mjs` measures the bytes per
 * record (bench/RESULTS.md, "Scale"; the saving is under "Design choices").
 *
 * Deadlines stay exact to the millisecond: an int32 holds a whole-ms offset
 * from `base` (±24.8 days). `base` moves forward (one O(n) pass, at most every
 * ~12 days of clock time) when a near deadline stops fitting; deadlines that
 * still do not fit (TTLs beyond ~24 days, fractional ms from a custom clock)
 * are kept as doubles in `far`, a `Float64Array` allocated on first need
 * (then 12 bytes per slot instead of 4).
 *
 * Freed slots are reused (LIFO); {@link Slots.compact} gives memory back after
 * mass expiry. The owner keeps a `Map<key, slot>` per table and must pass
 * every such table to {@link Slots.compact}.
 */
export class Slots<T> {
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

/** @returns the store-clock ms at which a TTL of `ttlMs` from `now` ends (Infinity = never) */
export function deadline(now: number, ttlMs: number | null): number {
  return ttlMs === null ? Number.POSITIVE_INFINITY : now + Math.max(0, ttlMs);
}
