/**
 * Key layout. Every key a script touches shares one hash tag built from the
 * record id (or window key / index subject), so multi-key scripts stay in one
 * Cluster slot while records spread over all slots — the global prefix is
 * never inside a tag (that would pin everything to a single node).
 *
 * ```
 * <prefix><ns>:{<id>}            record (a hash)
 * <prefix><ns>:{<id>}:rl         per-record rate-limit window counter
 * <prefix><ns>:{<id>}:used       per-record used-by set (subjects of `use`)
 * <prefix>w:<ns>:{<key>}         window counter of hit()
 * <prefix>ix:<ns>:{<subject>}    index set of ids per subject
 * ```
 */

/** Characters that would break a hash tag or the layout's separators, plus the escape itself. */
const UNSAFE_PART = /[%{}]/;
const UNSAFE_NS = /[%{}:]/;

/**
 * Percent-escapes `%`, `{` and `}` so an arbitrary string can sit inside a
 * hash tag: the tag then ends exactly at our closing brace. Injective, and the
 * empty string maps to a lone `%` (which no other input produces) because an
 * empty tag `{}` would make Redis hash the whole key and split a script's
 * keys across slots.
 *
 * @param part - an id, window key or subject
 * @returns the escaped text
 * @example
 * ```ts
 * encodeTagPart('a{b}') // 'a%7Bb%7D'
 * ```
 */
export function encodeTagPart(part: string): string {
  if (part.length === 0) return '%';
  if (!UNSAFE_PART.test(part)) return part;
  return part.replace(/[%{}]/g, (c) => (c === '%' ? '%25' : c === '{' ? '%7B' : '%7D'));
}

/**
 * Escapes a namespace like {@link encodeTagPart} and also `:`, so a record
 * namespace can never produce a key of the window (`w:`) or index (`ix:`) layout.
 *
 * @param ns - a namespace chosen by a manager (`key`, `rst`, `throttle:ip`, …)
 * @returns the escaped namespace
 * @example
 * ```ts
 * encodeNamespace('throttle:ip') // 'throttle%3Aip'
 * ```
 */
export function encodeNamespace(ns: string): string {
  if (!UNSAFE_NS.test(ns)) return ns;
  return ns.replace(/[%{}:]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** Record keys {@link KeyLayout.recentRecord} keeps per namespace (oldest dropped first). */
export const RECENT_RECORD_KEYS = 10_000;

/**
 * Builds the keys of one store prefix.
 *
 * @example
 * ```ts
 * const keys = new KeyLayout('tokenkit:')
 * keys.record('key', 'AbCdEf0123') // 'tokenkit:key:{AbCdEf0123}'
 * ```
 */
export class KeyLayout {
  /** The global prefix, e.g. `tokenkit:`. */
  readonly prefix: string;
  /** Per namespace, the record keys of recently used ids (see {@link recentRecord}). */
  private readonly recent = new Map<string, Map<string, string>>();

  /** @param prefix - global key prefix; must not contain `{` or `}` */
  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /**
   * @param ns - namespace
   * @param id - record id
   * @returns the record key
   */
  record(ns: string, id: string): string {
    return `${this.prefix}${encodeNamespace(ns)}:{${encodeTagPart(id)}}`;
  }

  /**
   * {@link record}, remembered for the most recent {@link RECENT_RECORD_KEYS}
   * ids of each namespace. For the per-request lookup of a cached record:
   * building the key anew (two escape tests, a concatenation) and hashing
   * that fresh string for the cache's Map cost more than the rest of a
   * zero-round-trip verification, while the id arrives already hashed from
   * the manager's own lookup. A pure function's memo: it holds no state that
   * could go stale.
   *
   * @param ns - namespace
   * @param id - record id
   * @returns the record key, equal to `record(ns, id)`
   */
  recentRecord(ns: string, id: string): string {
    let keys = this.recent.get(ns);
    if (keys === undefined) {
      keys = new Map();
      this.recent.set(ns, keys);
    }
    let key = keys.get(id);
    if (key === undefined) {
      key = this.record(ns, id);
      if (keys.size >= RECENT_RECORD_KEYS) keys.delete(keys.keys().next().value as string);
      keys.set(id, key);
    }
    return key;
  }

  /**
   * @param recordKey - a key from {@link record}
   * @returns the record's rate-limit counter key (same slot)
   */
  rateLimit(recordKey: string): string {
    return `${recordKey}:rl`;
  }

  /**
   * @param recordKey - a key from {@link record}
   * @returns the record's used-by set key (same slot): who redeemed it, tested with SISMEMBER
   */
  used(recordKey: string): string {
    return `${recordKey}:used`;
  }

  /**
   * @param ns - namespace
   * @param key - arbitrary window key (e.g. a client IP)
   * @returns the window counter key
   */
  window(ns: string, key: string): string {
    return `${this.prefix}w:${encodeNamespace(ns)}:{${encodeTagPart(key)}}`;
  }

  /**
   * @param ns - namespace
   * @param subject - arbitrary subject (e.g. a user id)
   * @returns the index set key
   */
  index(ns: string, subject: string): string {
    return `${this.prefix}ix:${encodeNamespace(ns)}:{${encodeTagPart(subject)}}`;
  }
}
