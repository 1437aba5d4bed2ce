/**
 * Records are Redis hashes: one field per top-level record property, each
 * value the property's JSON text. Scripts can then read and write single
 * fields (`uses`, `usedBy`, `revokedAt`, …) without decoding and re-encoding
 * the whole record, and the app's values come back exactly as written.
 */

/**
 * The hash field holding a record's version: a fresh opaque string written
 * with every change (see `VerifiedRecords`). Not JSON, not a record property:
 * encoding skips a property of this name and decoding leaves the field out.
 * A leading colon keeps it apart from any JavaScript identifier.
 */
export const VERSION_FIELD = ':v';

/**
 * @param record - a record or patch
 * @param skip - a property to leave out (update never rewrites `id`)
 * @returns `[field, json, field, json, …]`; properties JSON would drop (undefined) are left out
 * @example
 * ```ts
 * encodeFields({ id: 'a', uses: 1 }) // ['id', '"a"', 'uses', '1']
 * ```
 */
export function encodeFields(record: object, skip?: string): { pairs: string[]; dropped: string[] } {
  const pairs: string[] = [];
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(record)) {
    if (name === skip || name === VERSION_FIELD) continue;
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) dropped.push(name);
    else pairs.push(name, json);
  }
  return { pairs, dropped };
}

/**
 * @param flat - `[field, json, …]` as HGETALL or a script returns it
 * @returns the record
 * @example
 * ```ts
 * decodeFlat(['id', '"a"', 'uses', '1']) // { id: 'a', uses: 1 }
 * ```
 */
export function decodeFlat<R>(flat: readonly unknown[]): R {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = String(flat[i]);
    if (name !== VERSION_FIELD) assign(out, name, JSON.parse(String(flat[i + 1])));
  }
  return out as R;
}

/**
 * @param flat - `[field, value, …]` as HGETALL or a script returns it
 * @returns the record's version, or undefined when it has none
 */
export function versionOf(flat: readonly unknown[]): string | undefined {
  for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i] === VERSION_FIELD) return String(flat[i + 1]);
  return undefined;
}

/**
 * @param fields - the object ioredis' `hgetall` returns
 * @returns the record, or null for an empty (absent) hash
 * @example
 * ```ts
 * decodeHash({ id: '"a"' }) // { id: 'a' }
 * ```
 */
export function decodeHash<R>(fields: Record<string, string>): R | null {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const name in fields) {
    if (!Object.hasOwn(fields, name) || name === VERSION_FIELD) continue;
    any = true;
    assign(out, name, JSON.parse(fields[name]!));
  }
  return any ? (out as R) : null;
}

function assign(target: Record<string, unknown>, name: string, value: unknown): void {
  // A field named __proto__ must become an own property, never the prototype.
  if (name === '__proto__') Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  else target[name] = value;
}
