import { type Duration, parseDuration } from '../duration.js';
import { ConfigError, ConflictError, InvalidArgumentError } from '../errors.js';
import { registerEventSink } from '../events.js';
import { CredentialPipeline, type ManagerOptions, toStoreUnavailable } from '../pipeline/credential-pipeline.js';
import {
  checkDuration,
  checkMeta,
  checkPositiveInteger,
  checkScopes,
  checkSubject,
  copyMeta,
  type Meta,
} from '../pipeline/validate.js';
import { isThenable, type MaybePromise } from '../maybe-promise.js';
import type { RateLimitRule, Store, StoredRecord, UseResult } from '../store/types.js';
import { VerifiedCache } from './verified-cache.js';

const NS = 'key';
const LAST_USED_EVERY_MS = 60_000;
const LAST_USED_TRACKED = 100_000;

/**
 * Key of `ApiKeys`' same-tick verification. Exported to core's own modules
 * only (the API-key guard), never from a package entry: the public API is
 * `verify`, which is async.
 */
export const verifyInTick: unique symbol = Symbol('tokenkit.verifyInTick');

/** An API key as stored and returned — never with its hash or secret. */
export interface ApiKey {
  id: string;
  prefix: string;
  /** `prefix_` + first 4 characters of the id: enough for a user to recognise the key. */
  start: string;
  ownerId: string;
  name: string | null;
  scopes: string[];
  meta: Meta;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  /** Uses left, or null for unlimited. */
  remaining: number | null;
  rateLimit: { limit: number; windowMs: number } | null;
  /** Coalesced: written at most once per minute per key. */
  lastUsedAt: number | null;
}

/** Stored form of an API key. */
export interface ApiKeyRecord extends StoredRecord {
  prefix: string;
  ownerId: string;
  name: string | null;
  scopes: string[];
  meta: Meta;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  maxUses: number | null;
  uses: number;
  rateLimit: RateLimitRule | null;
  lastUsedAt: number | null;
}

/** Options of {@link ApiKeys}. */
export interface ApiKeysOptions extends ManagerOptions {
  /** How long revoked/expired keys stay readable (`get`, `list`) before the store drops them (default `'7d'`). */
  retention?: Duration | undefined;
  /**
   * The verified-credential cache: a key verified moments ago skips the keyed
   * hash (the store still checks revocation, expiry, scopes and quotas on
   * every call). It keeps the plaintext of recently verified keys in process
   * memory; `false` turns it off. Default `{ max: 10_000, ttl: '5m' }`.
   */
  verifiedCache?: false | VerifiedCacheOptions | undefined;
}

/** Options of the verified-credential cache ({@link ApiKeysOptions.verifiedCache}). */
export interface VerifiedCacheOptions {
  /** Credentials kept at most; the oldest goes first (default 10 000). */
  max?: number | undefined;
  /** How long a cached credential may skip the hash after it verified (default `'5m'`). */
  ttl?: Duration | undefined;
}

/** Options of {@link ApiKeys.create}. */
export interface CreateApiKeyOptions {
  ownerId: string;
  name?: string | undefined;
  scopes?: string[] | undefined;
  expiresIn?: Duration | undefined;
  /** Total successful verifications allowed. */
  remaining?: number | undefined;
  /** Per-key limit on successful verifications per window. */
  rateLimit?: { limit: number; window: Duration } | undefined;
  meta?: Meta | undefined;
}

/** Why an API key was rejected. */
export type ApiKeyFailureCode =
  | 'MALFORMED'
  | 'NOT_FOUND'
  | 'REVOKED'
  | 'EXPIRED'
  | 'INSUFFICIENT_SCOPE'
  | 'RATE_LIMITED'
  | 'USAGE_EXCEEDED';

/** Result of {@link ApiKeys.verify}. */
export type ApiKeyVerifyResult =
  | {
      valid: true;
      apiKey: ApiKey;
      /** For a key with a `rateLimit`, when the store reports it: uses left in this window and ms until it resets. */
      window?: { remaining: number; resetMs: number };
    }
  | {
      valid: false;
      code: ApiKeyFailureCode;
      retryAfterMs?: number;
      /** With `RATE_LIMITED`, when the store reports it: the key's limit. */
      rateLimit?: { limit: number; windowMs: number };
    };

/**
 * Issues and verifies prefixed, checksummed API keys.
 *
 * @example
 * ```ts
 * const apiKeys = new ApiKeys({ store: new MemoryStore(), secret: process.env.TOKENKIT_SECRET })
 * const { key } = await apiKeys.create({ ownerId: 'user_1', scopes: ['read'] })
 * const result = await apiKeys.verify(key, { scopes: ['read'] })
 * if (result.valid) console.log(result.apiKey.ownerId)
 * ```
 */
export class ApiKeys {
  private readonly pipeline: CredentialPipeline;
  private readonly retentionMs: number;
  private readonly lastUsedWritten = new Map<string, number>();
  /** Credential → hashes of recently verified keys; undefined when turned off. Private: it holds plaintext keys. */
  readonly #verified: VerifiedCache | undefined;

  /** @param options - store, secret(s), prefix (default `'sk'`), clock, events, retention, verifiedCache */
  constructor(options: ApiKeysOptions) {
    this.pipeline = new CredentialPipeline(options, 'sk', 'ApiKeys');
    registerEventSink(this, this.pipeline);
    this.retentionMs = parseDuration(options.retention ?? '7d', 'ApiKeys: retention');
    this.#verified = createVerifiedCache(options.verifiedCache);
  }

  /** The prefix new keys get. */
  get prefix(): string {
    return this.pipeline.prefix;
  }

  /** The store the keys live in (the HTTP flows count failed attempts in it too). */
  get store(): Store {
    return this.pipeline.store;
  }

  /**
   * Creates a key. The full `key` is returned once; only its keyed hash is stored.
   *
   * @param options - owner, name, scopes, expiry, usage cap, rate limit, metadata
   * @returns `{ key, apiKey }`
   * @throws InvalidArgumentError on bad options; StoreUnavailableError when the store is down
   */
  async create(options: CreateApiKeyOptions): Promise<{ key: string; apiKey: ApiKey }> {
    const ownerId = checkSubject(options?.ownerId, 'ownerId');
    const scopes = checkScopes(options.scopes);
    const meta = checkMeta(options.meta);
    const remaining = options.remaining === undefined ? null : checkPositiveInteger(options.remaining, 'remaining');
    const rateLimit = options.rateLimit
      ? {
          limit: checkPositiveInteger(options.rateLimit.limit, 'rateLimit.limit'),
          windowMs: checkPositiveInteger(checkDuration(options.rateLimit.window, 'rateLimit.window'), 'rateLimit.window'),
        }
      : null;
    const now = this.pipeline.now();
    const expiresAt =
      options.expiresIn === undefined ? null : now + checkPositiveInteger(checkDuration(options.expiresIn, 'expiresIn'), 'expiresIn');
    const name = options.name === undefined ? null : String(options.name).slice(0, 200);
    return this.insert({ ownerId, name, scopes, meta, maxUses: remaining, rateLimit, expiresAt }, now);
  }

  /**
   * Verifies a presented key: parse → one store operation (lookup, hash
   * compare, revocation, expiry, scopes, rate limit, usage cap) → result.
   * A rejected request never spends a use.
   *
   * @param key - the presented key (any value; non-strings are `MALFORMED`)
   * @param options - scopes the caller needs
   * @returns `{ valid: true, apiKey }` or `{ valid: false, code, retryAfterMs? }`
   * @throws StoreUnavailableError when the store cannot answer (fail closed)
   * @example
   * ```ts
   * const result = await apiKeys.verify(key, { scopes: ['read'] })
   * if (!result.valid) console.log(result.code)
   * ```
   */
  verify(key: unknown, options: { scopes?: readonly string[] | undefined } = {}): Promise<ApiKeyVerifyResult> {
    try {
      return Promise.resolve(this[verifyInTick](key, options));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * {@link ApiKeys.verify} answered in the same tick when the store does
   * (`MemoryStore`), else a promise. Internal: only core's API-key guard
   * calls it, through {@link verifyInTick}.
   *
   * @internal
   * @throws StoreUnavailableError when the store cannot answer (thrown, or as the promise's rejection)
   * @throws InvalidArgumentError when `options.scopes` is not an array of strings
   */
  [verifyInTick](key: unknown, options: { scopes?: readonly string[] | undefined } = {}): MaybePromise<ApiKeyVerifyResult> {
    const pipeline = this.pipeline;
    const now = pipeline.now();
    const cache = this.#verified;
    // A hit needs no parse: the presented key equals (constant time) one that parsed and verified.
    let id = cache === undefined ? undefined : pipeline.idSlot(key);
    let hashes = id === undefined ? undefined : cache!.hashes(id, key as string, now);
    const cached = hashes !== undefined;
    if (!cached) {
      const parsed = pipeline.parseId(key);
      if (parsed === null) return this.reject('MALFORMED');
      id = parsed;
    }
    const scopes = options.scopes;
    if (scopes !== undefined && (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string'))) {
      // A programming error, not a store failure: don't let it surface as a 503.
      throw new InvalidArgumentError('verify: options.scopes must be an array of strings');
    }
    if (hashes === undefined) hashes = pipeline.hashesOf(key as string);
    const request = scopes ? { hashes, now, scopes } : { hashes, now };
    const keyId = id as string;
    let answer: MaybePromise<UseResult<ApiKeyRecord>>;
    try {
      // Not through pipeline.call(): a synchronous answer is used as is.
      answer = pipeline.store.use<ApiKeyRecord>(NS, keyId, request);
    } catch (err) {
      throw toStoreUnavailable(err);
    }
    if (!isThenable(answer)) {
      if (cache !== undefined) this.cacheAfter(answer, cache, keyId, key as string, hashes, now, cached);
      return this.conclude(answer, keyId, now);
    }
    const used = hashes;
    return Promise.resolve(answer).then(
      (result) => {
        if (cache !== undefined) this.cacheAfter(result, cache, keyId, key as string, used, now, cached);
        return this.conclude(result, keyId, now);
      },
      (err: unknown) => {
        throw toStoreUnavailable(err);
      },
    );
  }

  /**
   * Keeps the verified-credential cache in step with the store's answer: a
   * success enters (only successes can: nobody fills it by guessing), a
   * credential that can no longer succeed (unknown, revoked, expired, used
   * up) leaves. A missing scope or a rate limit says nothing against the
   * credential, so it stays.
   */
  private cacheAfter(
    result: UseResult<ApiKeyRecord>,
    cache: VerifiedCache,
    id: string,
    credential: string,
    hashes: readonly string[],
    now: number,
    cached: boolean,
  ): void {
    if (result.ok) {
      if (!cached) cache.remember(id, credential, hashes, now);
    } else if (cached && result.reason !== 'INSUFFICIENT_SCOPE' && result.reason !== 'RATE_LIMITED') {
      cache.forget(id);
    }
  }

  /**
   * @param id - the key's public id
   * @returns the key, or null when unknown (or past retention)
   */
  async get(id: string): Promise<ApiKey | null> {
    if (typeof id !== 'string') return null;
    const record = await this.pipeline.call(() => this.pipeline.store.get<ApiKeyRecord>(NS, id));
    return record ? toApiKey(record) : null;
  }

  /**
   * @param filter - `ownerId` whose keys to list
   * @returns the owner's keys, newest first (revoked/expired ones included until retention ends)
   */
  async list(filter: { ownerId: string }): Promise<ApiKey[]> {
    const ownerId = checkSubject(filter?.ownerId, 'ownerId');
    const store = this.pipeline.store;
    const ids = await this.pipeline.call(() => store.indexMembers(NS, ownerId));
    const records = await this.pipeline.call(() => Promise.all(ids.map((id) => store.get<ApiKeyRecord>(NS, id))));
    const gone = ids.filter((_, i) => records[i] === null);
    if (gone.length > 0) await this.pipeline.call(() => store.indexRemove(NS, ownerId, gone));
    return records
      .filter((r): r is ApiKeyRecord => r !== null)
      .map((record) => toApiKey(record))
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * Revokes a key at once; it stays readable for the retention period.
   *
   * @param id - the key's public id
   * @returns the revoked key, or null when unknown
   */
  async revoke(id: string): Promise<ApiKey | null> {
    if (typeof id !== 'string') return null;
    const now = this.pipeline.now();
    const current = await this.pipeline.call(() => this.pipeline.store.get<ApiKeyRecord>(NS, id));
    if (!current) return null;
    if (current.revokedAt !== null) return toApiKey(current);
    const record = await this.pipeline.call(() =>
      this.pipeline.store.update<ApiKeyRecord>(NS, id, { revokedAt: now }, { ttlMs: this.retentionMs }),
    );
    if (!record) return null;
    // Not needed for correctness (the store refuses it from now on): just no plaintext of a dead key kept around.
    this.#verified?.forget(id);
    this.pipeline.emit({ type: 'apikey.revoked', id, subject: record.ownerId, at: now });
    return toApiKey(record);
  }

  /**
   * Rotates a key's secret: the key keeps its id (so `start`, owner, name,
   * scopes, metadata, expiry, rate limit and remaining uses are unchanged)
   * and gets a new credential; the old credential keeps working until
   * `min(now + gracePeriod, expiresAt)`. Old and new credential are one
   * record: they draw from ONE `remaining` quota and ONE rate-limit window,
   * and `revoke(id)` ends both.
   *
   * One atomic store write, a compare-and-set on the key's current hash: of
   * concurrent rotations of one key exactly one succeeds and the others throw
   * `ConflictError` (so there is never more than one replacement), and a
   * revocation that lands first makes this return null.
   *
   * @param id - the key to rotate
   * @param options - `gracePeriod` (default `'0s'`: the old credential stops at once)
   * @returns the new `{ key, apiKey, previousExpiresAt }` (`previousExpiresAt`: when the old
   *   credential stops; `now` for no grace), or null when the key is unknown, revoked,
   *   expired or used up
   * @throws ConflictError when another rotation of this key won the race
   * @throws StoreUnavailableError when the store is down
   */
  async rotate(
    id: string,
    options: { gracePeriod?: Duration | undefined } = {},
  ): Promise<{ key: string; apiKey: ApiKey; previousExpiresAt: number } | null> {
    const graceMs = checkDuration(options.gracePeriod ?? 0, 'gracePeriod');
    const store = this.pipeline.store;
    const old = typeof id === 'string' ? await this.pipeline.call(() => store.get<ApiKeyRecord>(NS, id)) : null;
    const now = this.pipeline.now();
    if (!old || old.revokedAt !== null || (old.expiresAt !== null && now >= old.expiresAt)) return null;
    // A key with no uses left stays used up: rotating it would give nothing usable.
    if (old.maxUses !== null && old.uses >= old.maxUses) return null;
    const { credential, hash } = this.pipeline.mintFor(old.id);
    const graceEnd = old.expiresAt === null ? now + graceMs : Math.min(now + graceMs, old.expiresAt);
    // Any earlier rotation's previous credential ends here: at most two credentials per key at a time.
    // With no grace the old hash stays too, already past its end: presenting it answers EXPIRED, not NOT_FOUND.
    const previous = { previousHash: old.hash, previousHashExpiresAt: Math.max(now, graceEnd) };
    const record = await this.pipeline.call(() =>
      store.update<ApiKeyRecord>(NS, old.id, { hash, ...previous }, { ifHash: old.hash }),
    );
    if (!record) {
      if (!(await this.pipeline.call(() => store.get<ApiKeyRecord>(NS, old.id)))) return null;
      throw new ConflictError(`ApiKeys.rotate: key ${old.id} was rotated concurrently; read it again before rotating once more`);
    }
    // Hygiene only (a cached credential's hashes stay right, and the store judges the grace): drop the old plaintext.
    this.#verified?.forget(old.id);
    // A revocation landed between our read and our write: the record, and so both credentials, are revoked.
    if (record.revokedAt !== null) return null;
    this.pipeline.emit({ type: 'apikey.created', id: record.id, subject: record.ownerId, at: now });
    return { key: credential, apiKey: toApiKey(record), previousExpiresAt: previous.previousHashExpiresAt };
  }

  private async insert(
    fields: Pick<ApiKeyRecord, 'ownerId' | 'name' | 'scopes' | 'meta' | 'maxUses' | 'rateLimit' | 'expiresAt'>,
    now: number,
  ): Promise<{ key: string; apiKey: ApiKey }> {
    const ttlMs = fields.expiresAt === null ? null : fields.expiresAt - now + this.retentionMs;
    const prefix = this.pipeline.prefix;
    const { credential, record } = await this.pipeline.mint<ApiKeyRecord>(
      NS,
      (id, hash) => ({
        id,
        hash,
        prefix,
        ...fields,
        createdAt: now,
        revokedAt: null,
        uses: 0,
        lastUsedAt: null,
      }),
      ttlMs,
    );
    // The owner index never expires on its own while any key may be forever; stale ids are pruned by list().
    await this.pipeline.call(() => this.pipeline.store.indexAdd(NS, fields.ownerId, record.id, null));
    this.pipeline.emit({ type: 'apikey.created', id: record.id, subject: fields.ownerId, at: now });
    return { key: credential, apiKey: toApiKey(record) };
  }

  /** The verification's result from the store's answer. */
  private conclude(result: UseResult<ApiKeyRecord>, id: string, now: number): ApiKeyVerifyResult {
    if (!result.ok) {
      const code = result.reason === 'EXHAUSTED' ? 'USAGE_EXCEEDED' : (result.reason as ApiKeyFailureCode);
      const rejected = this.reject(code, id, result.retryAfterMs);
      if (result.rateLimit && !rejected.valid) rejected.rateLimit = { limit: result.rateLimit.limit, windowMs: result.rateLimit.windowMs };
      return rejected;
    }
    const record = result.record;
    this.touch(record, now);
    if (this.pipeline.observed) this.pipeline.emit({ type: 'apikey.verified', id: record.id, subject: record.ownerId, at: now });
    const apiKey = toApiKey(record, now);
    const window = result.window;
    if (window === undefined || !record.rateLimit) return { valid: true, apiKey };
    return { valid: true, apiKey, window: { remaining: Math.max(0, record.rateLimit.limit - window.count), resetMs: window.resetMs } };
  }

  private reject(code: ApiKeyFailureCode, id?: string, retryAfterMs?: number): ApiKeyVerifyResult {
    this.pipeline.emit({ type: 'apikey.rejected', code, at: this.pipeline.now(), ...(id ? { id } : {}) });
    return retryAfterMs === undefined ? { valid: false, code } : { valid: false, code, retryAfterMs };
  }

  /** Coalesced `lastUsedAt`: at most one store write per key per minute, off the request path. */
  private touch(record: ApiKeyRecord, now: number): void {
    // The record itself says when lastUsedAt was last written (by any process):
    // within the minute — the common case — no lookup in the map below at all.
    if (record.lastUsedAt !== null && now - record.lastUsedAt < LAST_USED_EVERY_MS) return;
    const id = record.id;
    const last = this.lastUsedWritten.get(id);
    if (last !== undefined && now - last < LAST_USED_EVERY_MS) return;
    if (this.lastUsedWritten.size >= LAST_USED_TRACKED) this.lastUsedWritten.clear();
    this.lastUsedWritten.set(id, now);
    // Through pipeline.call(): a store that throws synchronously must not fail the verification either.
    this.pipeline.call(() => this.pipeline.store.update<ApiKeyRecord>(NS, id, { lastUsedAt: now })).catch(() => {
      // Best effort: a missed lastUsedAt write must not fail a verified request.
      this.lastUsedWritten.delete(id);
    });
  }
}

/**
 * @param record - the stored record
 * @param lastUsedAt - overrides the stored (coalesced) value, e.g. with the current verification's time
 * @returns the public view of the key
 */
function toApiKey(record: ApiKeyRecord, lastUsedAt: number | null = record.lastUsedAt): ApiKey {
  return {
    id: record.id,
    prefix: record.prefix,
    start: `${record.prefix}_${record.id.slice(0, 4)}`,
    ownerId: record.ownerId,
    name: record.name,
    scopes: [...record.scopes],
    meta: copyMeta(record.meta),
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    revokedAt: record.revokedAt,
    remaining: record.maxUses === null ? null : Math.max(0, record.maxUses - record.uses),
    rateLimit: record.rateLimit ? { ...record.rateLimit } : null,
    lastUsedAt,
  };
}

/**
 * @param option - `ApiKeysOptions.verifiedCache`
 * @returns the cache, or undefined when turned off
 * @throws ConfigError on a bad size or age
 */
function createVerifiedCache(option: ApiKeysOptions['verifiedCache']): VerifiedCache | undefined {
  if (option === false) return undefined;
  if (option !== undefined && (typeof option !== 'object' || option === null)) {
    throw new ConfigError('ApiKeys: verifiedCache must be false or { max?, ttl? }');
  }
  const max = option?.max ?? 10_000;
  if (!Number.isSafeInteger(max) || max < 0) {
    throw new ConfigError('ApiKeys: verifiedCache.max must be a non-negative integer (0 turns the cache off)');
  }
  if (max === 0) return undefined;
  const ttlMs = parseDuration(option?.ttl ?? '5m', 'ApiKeys: verifiedCache.ttl');
  if (ttlMs <= 0) throw new ConfigError('ApiKeys: verifiedCache.ttl must be positive (use verifiedCache: false to turn it off)');
  return new VerifiedCache(max, ttlMs);
}
