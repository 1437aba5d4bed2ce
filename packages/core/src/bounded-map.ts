/**
 * Sets `key` → `value` in an insertion-ordered map bounded to `max` entries,
 * in amortized O(1): entries are dropped from the front (the oldest) while
 * the front one is expired or the map is still full, and the walk stops at
 * the first live entry once there is room. Each entry is dropped at most once,
 * so a full map of live entries (a distributed attack rotating client keys)
 * costs one eviction per new key, never a scan of the whole map. Expired
 * entries behind a live front one stay until they reach the front; they still
 * count towards `max`, so memory stays bounded.
 *
 * The key always moves to the back, even when it was present: every caller's
 * expiry grows with insertion time, so keeping the map in insertion order
 * keeps it (mostly) in expiry order, which is what lets the front walk stop
 * early; and an update never evicts another entry.
 *
 * @param map - the bounded map (its insertion order is its age order)
 * @param max - entries kept at most (≥ 1)
 * @param key - the key to set
 * @param value - its new value
 * @param expired - whether an entry's value may be dropped regardless of room
 * @returns nothing; `map` holds `key` → `value` and at most `max` entries
 * @example
 * ```ts
 * const blocked = new Map<string, number>()
 * const now = Date.now()
 * setBounded(blocked, 10_000, ip, now + retryMs, (until) => until <= now)
 * ```
 */
export function setBounded<K, V>(map: Map<K, V>, max: number, key: K, value: V, expired: (value: V) => boolean): void {
  map.delete(key);
  for (const [k, v] of map) {
    if (map.size < max && !expired(v)) break;
    map.delete(k);
  }
  map.set(key, value);
}
