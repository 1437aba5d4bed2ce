// Used-by sets: who has used each record with a subject (see UsedBySets).
import { InvalidArgumentError } from '../../errors.js';
import type { UsedByPage, UsedByPageOptions } from '../types.js';

/** One record's used-by set: a `Set` for the membership test and, in the same order, an array to page by position. */
export interface UsedBy {
  readonly members: Set<string>;
  readonly order: string[];
}

/**
 * The used-by sets of {@link MemoryStore}'s records (`use` with a subject),
 * keyed by `ns\0id`. A set lives and dies with its record and is never copied
 * into it: the owner calls {@link forget} whenever a record is written anew or
 * dropped, and {@link prune} after expiring records.
 */
export class UsedBySets {
  private readonly sets = new Map<string, UsedBy>();

  /** @returns the record's used-by set, or undefined while nobody has used it with a subject */
  find(ns: string, id: string): UsedBy | undefined {
    return this.sets.get(usedKey(ns, id));
  }

  /**
   * Adds `subject` to the record's set.
   *
   * @param found - what {@link find} returned for the same record (saves a second lookup)
   */
  add(ns: string, id: string, subject: string, found: UsedBy | undefined): void {
    if (found) {
      found.members.add(subject);
      found.order.push(subject);
    } else {
      this.sets.set(usedKey(ns, id), { members: new Set([subject]), order: [subject] });
    }
  }

  /** Drops the record's set (a new record starts with nobody in it). */
  forget(ns: string, id: string): void {
    if (this.sets.size > 0) this.sets.delete(usedKey(ns, id));
  }

  /**
   * One page of the set, by position: O(page).
   *
   * @param found - the record's set ({@link find}), undefined when it has none or is gone
   */
  page(found: UsedBy | undefined, options: UsedByPageOptions): UsedByPage {
    const limit = pageLimit(options.limit);
    const start = options.cursor === undefined ? 0 : cursorPosition(options.cursor);
    if (!found) return { ids: [], cursor: null };
    const end = Math.min(found.order.length, start + limit);
    return { ids: found.order.slice(start, end), cursor: end < found.order.length ? String(end) : null };
  }

  /** Drops the sets whose record no longer exists. */
  prune(exists: (ns: string, id: string) => boolean): void {
    for (const key of this.sets.keys()) {
      const split = key.indexOf('\u0000');
      if (!exists(key.slice(0, split), key.slice(split + 1))) this.sets.delete(key);
    }
  }

  /** Number of records with a used-by set. */
  get size(): number {
    return this.sets.size;
  }

  /** Drops every set. */
  clear(): void {
    this.sets.clear();
  }
}

/** @returns the key of a record's used-by set */
function usedKey(ns: string, id: string): string {
  return `${ns}\u0000${id}`;
}

/**
 * @param cursor - a cursor passed to `usedBy`
 * @returns the position it stands for: the cursors {@link UsedBySets.page} issues are canonical decimal positions
 * @throws InvalidArgumentError for anything else (a cursor this store did not issue)
 */
function cursorPosition(cursor: unknown): number {
  const position = typeof cursor === 'string' && /^(?:0|[1-9][0-9]{0,15})$/.test(cursor) ? Number(cursor) : Number.NaN;
  if (!Number.isSafeInteger(position)) {
    throw new InvalidArgumentError(
      `MemoryStore.usedBy: invalid cursor ${JSON.stringify(cursor)}; the cursor must come from a previous page (omit it for the first page)`,
    );
  }
  return position;
}

/**
 * @param limit - a page size hint
 * @returns a positive integer page size (default 100)
 */
function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return 100;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`usedBy: limit must be a positive integer, got ${limit}`);
  return limit;
}
