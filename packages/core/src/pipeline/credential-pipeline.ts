import { BASE62 } from '../credential/base62.js';
import {
  BODY_LENGTH,
  generateCredential,
  generateCredentialFor,
  ID_LENGTH,
  isValidPrefix,
  parseCredential,
} from '../credential/credential.js';
import { ConfigError, StoreUnavailableError, isStoreUnavailableError } from '../errors.js';
import {
  clientHasher,
  createEmitter,
  type EventListener,
  type EventSink,
  eventChannelObserved,
  type TokenkitEvent,
  type ValidateOption,
  warningEnabled,
} from '../events.js';
import { KeyedHasher } from '../hashing/keyed-hash.js';
import type { MaybePromise } from '../maybe-promise.js';
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
  /**
   * `false` silences this manager's `TokenkitWarning`s (`TOKENKIT_NO_SECRET`);
   * `{ TOKENKIT_NO_SECRET: false }` silences one of them.
   */
  validate?: ValidateOption | undefined;
}

/** A method of the {@link Store} contract. */
export type StoreMethod = Exclude<keyof Store, 'close'>;

/**
 * The store methods every manager calls (directly or through the HTTP flows
 * built on it); `Invitations` needs `usedBy` as well.
 */
export const STORE_METHODS: readonly StoreMethod[] = [
  'put',
  'get',
  'update',
  'delete',
  'consume',
  'use',
  'hit',
  'indexAdd',
  'indexMembers',
  'indexRemove',
];

/**
 * Checks the whole store contract at construction, so a store written
 * outside this repository fails here — with every missing method named at
 * once — rather than with a `TypeError` in the middle of a request (possibly
 * after a token was already spent).
 *
 * @param store - the configured store
 * @param managerName - names the manager in the error
 * @param methods - the methods the manager calls
 * @throws ConfigError naming every missing method
 */
export function checkStoreContract(store: object, managerName: string, methods: readonly StoreMethod[]): void {
  const missing = methods.filter((method) => typeof (store as Partial<Record<StoreMethod, unknown>>)[method] !== 'function');
  if (missing.length === 0) return;
  const list = missing.map((method) => `Store.${method}()`).join(', ');
  throw new ConfigError(
    `${managerName}: options.store does not implement ${list}; a store must implement every method of the Store ` +
      'interface (update the store package, or add the missing methods to a custom store)',
  );
}

let warnedUnkeyed = false;
const MAX_MINT_ATTEMPTS = 5;

/**
 * The one credential pipeline all three managers share: mint (id + secret +
 * check, keyed hash, only-if-absent insert) and resolve (parse → candidate
 * hashes → store). Store failures of any kind surface as
 * `StoreUnavailableError`, so nothing downstream can mistake them for "valid".
 */
export class CredentialPipeline implements EventSink {
  readonly store: Store;
  readonly prefix: string;
  readonly now: () => number;
  readonly emit: (event: TokenkitEvent) => void;
  /** A keyed hash of a client key (an IP) for `throttle.blocked` events. */
  readonly clientHash: (client: string) => string;
  private readonly hasListener: boolean;
  private readonly hasher: KeyedHasher;
  private readonly candidateCount: number;

  /**
   * @param options - the manager's options
   * @param defaultPrefix - the credential prefix when `options.prefix` is not given
   * @param managerName - names the manager in configuration errors
   * @param extraMethods - store methods this manager needs beyond {@link STORE_METHODS}
   */
  constructor(options: ManagerOptions, defaultPrefix: string, managerName: string, extraMethods: readonly StoreMethod[] = []) {
    if (!options || typeof options.store !== 'object' || options.store === null) {
      throw new ConfigError(`${managerName}: options.store is required, e.g. { store: new MemoryStore() }`);
    }
    checkStoreContract(options.store, managerName, [...STORE_METHODS, ...extraMethods]);
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
    this.clientHash = clientHasher(typeof options.secret === 'string' ? options.secret : options.secret?.[0]);
    this.candidateCount =
      options.secret === undefined || typeof options.secret === 'string' ? 1 : Math.max(1, options.secret.length);
    if (this.hasher.unkeyed && !warnedUnkeyed && warningEnabled(options.validate, 'TOKENKIT_NO_SECRET')) {
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
   * Mints a credential for a fixed id (fresh secret, keyed hash) without
   * writing anything: the caller stores it in its own atomic operation.
   *
   * @param id - the record id the credential must carry
   * @returns the credential and its hash under the signing secret
   */
  mintFor(id: string): { credential: string; hash: string } {
    const { credential } = generateCredentialFor(this.prefix, id);
    return { credential, hash: this.hasher.hash(credential) };
  }

  /**
   * Record ids derived from a subject with the manager's secret(s): the same
   * subject always gives the same id under one secret, and nobody without the
   * secret can compute it. One id per configured secret, the signing
   * secret's first, duplicates removed.
   *
   * @param purpose - a label that keeps ids of different uses apart
   * @param subject - e.g. a user id
   * @returns 10-character base62 ids
   */
  derivedIds(purpose: string, subject: string): string[] {
    const ids: string[] = [];
    for (const digest of this.hasher.derive(`tokenkit/${purpose}\u0000${subject}`)) {
      const id = toBase62Id(digest);
      if (!ids.includes(id)) ids.push(id);
    }
    return ids;
  }

  /**
   * Parses a presented credential and computes its candidate hashes.
   *
   * @returns the id and hashes, or null when it is malformed (no store call)
   */
  resolve(presented: unknown): { id: string; hashes: string[] } | null {
    const id = this.parseId(presented);
    if (id === null) return null;
    return { id, hashes: this.hashesOf(presented as string) };
  }

  /**
   * @param presented - a presented credential (any value)
   * @returns its id when it parses as this manager's credential (prefix, alphabet, checksum), else null
   */
  parseId(presented: unknown): string | null {
    const parsed = parseCredential(presented, this.prefix);
    return parsed.valid ? parsed.id : null;
  }

  /**
   * Where the id sits in a credential of this manager, without checking
   * anything else: for a lookup whose hit is then confirmed by comparing the
   * whole credential with one that did parse (the verified-credential cache).
   *
   * @param presented - a presented credential (any value)
   * @returns the characters at the id's position, or undefined when the length cannot be a credential
   */
  idSlot(presented: unknown): string | undefined {
    if (typeof presented !== 'string') return undefined;
    const start = presented.length - BODY_LENGTH;
    if (start !== this.prefix.length + 1) return undefined;
    return presented.slice(start, start + ID_LENGTH);
  }

  /**
   * @param credential - a parsed credential
   * @returns its candidate hashes, one per configured secret (the signing secret's first)
   */
  hashesOf(credential: string): string[] {
    if (this.candidateCount === 1) return [this.hasher.hash(credential)];
    return this.hasher.candidates(credential);
  }

  /**
   * Runs a store operation, turning any failure into `StoreUnavailableError`.
   *
   * @param operation - the store call
   * @returns its result
   */
  async call<T>(operation: () => MaybePromise<T>): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      throw toStoreUnavailable(err);
    }
  }
}

/** 62^10: the number of distinct ids. */
const ID_SPACE = 62n ** BigInt(ID_LENGTH);

/**
 * @param digest - ≥ 16 bytes of keyed hash
 * @returns a base62 id; 128 bits reduced modulo 62^10 (~2^59.5), so the bias is below 2^-68
 */
function toBase62Id(digest: Buffer): string {
  let value = BigInt(`0x${digest.subarray(0, 16).toString('hex')}`) % ID_SPACE;
  let id = '';
  for (let i = 0; i < ID_LENGTH; i++) {
    id = BASE62[Number(value % 62n)] + id;
    value /= 62n;
  }
  return id;
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
