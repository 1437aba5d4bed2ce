import { inspect } from 'node:util';
import { setBounded } from '../bounded-map.js';
import { safeEqual } from '../random/safe-equal.js';
import { flatten } from '../store/memory/record-copy.js';

interface Entry {
  /** The full credential that verified, compared in constant time with the presented one. */
  readonly credential: string;
  /** Its candidate hashes under this manager's secret(s): a pure function of the credential. */
  readonly hashes: readonly string[];
  /** When it entered the cache (the manager's clock). */
  readonly at: number;
}

/**
 * Memo of the pure function credential → candidate hashes, for credentials
 * that verified successfully moments ago, keyed by the credential's public
 * id. It never answers a verification: a hit only saves the keyed hash, and
 * the store still decides revocation, expiry, scopes and quotas on every call.
 *
 * Insertion-ordered and bounded: the oldest entry goes when `max` is reached,
 * and entries older than `ttlMs` are neither used nor kept (dropped from the
 * front on the next insert). Not enumerable by `util.inspect`/`JSON.stringify`:
 * the credentials it holds must not reach logs.
 */
export class VerifiedCache {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #ttlMs: number;

  /**
   * @param max - entries kept at most (≥ 1)
   * @param ttlMs - how long an entry may be used after it entered (Infinity: no limit)
   */
  constructor(max: number, ttlMs: number) {
    this.#max = max;
    this.#ttlMs = ttlMs;
  }

  /** Number of entries (expired ones count until dropped). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * @param id - the presented credential's id
   * @param credential - the presented credential
   * @param now - the manager's clock
   * @returns the cached hashes when the presented credential equals the cached one for `id` (constant time), else undefined
   */
  hashes(id: string, credential: string, now: number): readonly string[] | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    if (now - entry.at >= this.#ttlMs) {
      this.#entries.delete(id);
      return undefined;
    }
    // Cached (known-length) value first: the time depends on it only, never on the presented one.
    return safeEqual(entry.credential, credential) ? entry.hashes : undefined;
  }

  /**
   * Remembers a credential that just verified (replacing any other credential of that id).
   *
   * @param id - its id
   * @param credential - the credential
   * @param hashes - its candidate hashes, exactly as computed for the store
   * @param now - the manager's clock
   */
  remember(id: string, credential: string, hashes: readonly string[], now: number): void {
    // Flat copies: a key sliced out of a header (and a hash built by concatenation) is an indirect
    // string whose every charCodeAt in the constant-time compares costs several times a flat one's;
    // a copy also lets go of the whole header string the key was cut from.
    const entry = { credential: flatten(credential), hashes: Object.freeze(hashes.map(flatten)), at: now };
    // A replaced id moves to the back (fresh `at`), so entries stay in age order and expire from the front.
    setBounded(this.#entries, this.#max, id, entry, (e) => now - e.at >= this.#ttlMs);
  }

  /**
   * Drops the entry of `id` (called only after the cached credential itself
   * was refused, so a failed guess at someone's id never evicts theirs).
   *
   * @param id - the credential's id
   */
  forget(id: string): void {
    this.#entries.delete(id);
  }

  /** Never the credentials: only the size. */
  toJSON(): { size: number } {
    return { size: this.#entries.size };
  }

  [inspect.custom](): string {
    return `VerifiedCache { size: ${this.#entries.size} }`;
  }
}
