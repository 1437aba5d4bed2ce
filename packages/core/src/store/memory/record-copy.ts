// The store's own copies of records: field layout and hash flattening (see ownCopy).
import type { StoredRecord } from '../types.js';

/** Per record shape (its field names), the JSON text of an object with those fields. */
const templates = new Map<string, string>();
/** Record shapes are few (one per manager and version); a bound keeps odd callers from growing the cache. */
export const MAX_TEMPLATES = 64;

/**
 * The store's own copy of a record. Why not `{ ...record }`: one
 * `put` site sees every record shape (keys, reset tokens, invitations), so
 * V8's spread-clone cache goes megamorphic and every copy gets 4 in-object
 * fields plus a separate property array — one more dependent memory read on
 * every verification, and more memory per API key. `JSON.parse` of a
 * template with the record's field names sizes the object to its exact field
 * count; the values are then assigned, keeping the original top-level strings
 * (which the indexes already hold) rather than copies. The hash is made flat:
 * hashes arrive as `tag + '$' + digest` ropes, which are larger than the
 * flat string. Nested values are copied too (below). What this saved per
 * verification at 1M keys is in bench/RESULTS.md, "Design choices"; the
 * current cost is `bench/scale`'s. Records are JSON by contract (RedisStore
 * stores every field as JSON text), so the copies are exact.
 *
 * @param record - a record as written
 * @returns a copy with the same own fields, in the same order
 */
export function ownCopy<T extends StoredRecord>(record: T): T {
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
export function flatten<T>(value: T): T {
  return typeof value === 'string' && value.length > 12 ? (JSON.parse(JSON.stringify(value)) as T) : value;
}

/** @returns how many record shapes have a cached template (for tests) */
export function templateCount(): number {
  return templates.size;
}
