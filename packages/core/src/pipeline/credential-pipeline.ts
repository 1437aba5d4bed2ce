import { generateCredential, isValidPrefix, parseCredential } from '../credential/credential.js';
import { ConfigError, StoreUnavailableError, isStoreUnavailableError } from '../errors.js';
import { createEmitter, eventChannelObserved, type EventListener, type TokenkitEvent } from '../events.js';
import { KeyedHasher } from '../hashing/keyed-hash.js';
import type { Store, StoredRecord } from '../store/types.js';

/** Options every manager accepts. */
export interface ManagerOptions {
  /** Where state lives: `new MemoryStore()` or `new RedisStore({ client })`. */
  store: Store;
  /**
   * Key(s) for HMAC-SHA256 of stored credentials, each ≥ 32 characters. A list
   * rotates: the first signs new credentials, all of them verify.
   */
  secret?: string | readonly string[] | undefined;
  /** Credential prefix, `[a-z][a-z0-9]*(_[a-z0-9]+)*`, ≤ 16 characters. */
  prefix?: string | undefined;
  /** Clock in epoch ms (default `Date.now`). */
  now?: (() => number) | undefined;
  /** Receives every event (ids only, never secrets). */
  onEvent?: EventListener | undefined;
}

let warnedUnkeyed = false;
const MAX_MINT_ATTEMPTS = 5;

/**
 * The one credential pipeline all three managers share: mint (id + secret +
 * check, keyed hash, only-if-absent insert) and resolve (parse → candidate
 * hashes → store). Store failures of any kind surface as
 * `StoreUnavailableError`, so nothing downstream can mistake them for "valid".
 */
export class CredentialPipeline {
  readonly store: Store;
  readonly prefix: string;
  readonly now: () => number;
  readonly emit: (event: TokenkitEvent) => void;
  private readonly hasListener: boolean;
  private readonly hasher: KeyedHasher;
  private readonly candidateCount: number;

  constructor(options: ManagerOptions, defaultPrefix: string, managerName: string) {
    if (!options || typeof options.store !== 'object' || options.store === null) {
      throw new ConfigError(`${managerName}: options.store is required, e.g. { store: new MemoryStore() }`);
    }
    for (const method of ['put', 'get', 'update', 'delete', 'consume', 'use', 'hit', 'indexAdd', 'indexMembers'] as const) {
      if (typeof options.store[method] !== 'function') {
        throw new ConfigError(`${managerName}: options.store does not implement Store.${method}()`);
      }
    }
    const prefix = options.prefix ?? defaultPrefix;
    if (!isValidPrefix(prefix)) {
      throw new ConfigError(
        `${managerName}: prefix ${JSON.stringify(prefix)} is invalid; use lower-case letters/digits like 'sk' or 'sk_live' (max 16)`,
      );
    }
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new ConfigError(`${managerName}: now must be a function returning epoch milliseconds`);
    }
    this.store = options.store;
    this.prefix = prefix;
    this.now = options.now ?? Date.now;
    this.emit = createEmitter(options.onEvent);
    this.hasListener = options.onEvent !== undefined;
    this.hasher = new KeyedHasher(options.secret);
    this.candidateCount =
      options.secret === undefined || typeof options.secret === 'string' ? 1 : Math.max(1, options.secret.length);
    if (this.hasher.unkeyed && !warnedUnkeyed) {
      warnedUnkeyed = true;
      process.emitWarning(
        `${managerName} has no secret: credentials are stored as plain SHA-256. Anyone who can read the store can ` +
          'then check guesses offline against it, and a leaked dump cannot be invalidated by rotating a key. ' +
          'Pass { secret: process.env.TOKENKIT_SECRET } (≥ 32 chars; `openssl rand -base64 32`).',
        { code: 'TOKENKIT_NO_SECRET', type: 'TokenkitWarning' },
      );
    }
  }

  /**
   * Whether an event would reach anyone (`onEvent` or a diagnostics channel
   * subscriber): the API-key guard skips building its per-request event
   * object when not.
   */
  get observed(): boolean {
    return this.hasListener || eventChannelObserved();
  }

  /**
   * Mints a credential and writes its record only-if-absent, retrying on an id
   * collision.
   *
   * @param ns - store namespace
   * @param build - builds the record from the new id and hash
   * @param ttlMs - the record's TTL
   * @returns the credential and the stored record
   */
  async mint<R extends StoredRecord>(
    ns: string,
    build: (id: string, hash: string) => R,
    ttlMs: number | null,
  ): Promise<{ credential: string; record: R }> {
    for (let attempt = 0; attempt < MAX_MINT_ATTEMPTS; attempt++) {
      const { credential, id } = generateCredential(this.prefix);
      const record = build(id, this.hasher.hash(credential));
      if (await this.call(() => this.store.put(ns, record, { ttlMs, ifAbsent: true }))) {
        return { credential, record };
      }
    }
    throw new StoreUnavailableError(`could not find a free id after ${MAX_MINT_ATTEMPTS} attempts`);
  }

  /**
   * Parses a presented credential and computes its candidate hashes.
   *
   * @returns the id and hashes, or null when it is malformed (no store call)
   */
  resolve(presented: unknown): { id: string; hashes: string[] } | null {
    const parsed = parseCredential(presented, this.prefix);
    if (!parsed.valid) return null;
    const credential = presented as string;
    if (this.candidateCount === 1) return { id: parsed.id, hashes: [this.hasher.hash(credential)] };
    return { id: parsed.id, hashes: this.hasher.candidates(credential) };
  }

  /**
   * Runs a store operation, turning any failure into `StoreUnavailableError`.
   *
   * @param operation - the store call
   * @returns its result
   */
  async call<T>(operation: () => Promise<T> | T): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      throw toStoreUnavailable(err);
    }
  }
}

/**
 * Fail closed: whatever a store throws becomes a `StoreUnavailableError`.
 *
 * @param err - what the store threw
 * @returns a `StoreUnavailableError` (the error itself when it already is one)
 */
export function toStoreUnavailable(err: unknown): StoreUnavailableError {
  if (isStoreUnavailableError(err)) return err;
  return new StoreUnavailableError(`store operation failed: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}
