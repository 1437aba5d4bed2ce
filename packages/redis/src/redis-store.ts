import {
  ConfigError,
  InvalidArgumentError,
  tokenUrlsafe,
  type ConsumeResult,
  type MaybePromise,
  type PutOptions,
  type Store,
  type StoredRecord,
  type UpdateOptions,
  type UsedByPage,
  type UsedByPageOptions,
  type UseFailure,
  type UseRequest,
  type UseResult,
  type ValidateOption,
  type WindowCount,
} from '@tokenkit/core';
import type { Cluster, Redis } from 'ioredis';
import { VERSION_FIELD, decodeFlat, decodeHash, encodeFields, versionOf } from './codec.js';
import { Deadlines } from './guard.js';
import { KeyLayout } from './keys.js';
import { ReplicaWaiter, type WaitForReplicasOptions } from './replicas.js';
import { defineScripts, type Scripts } from './scripts/index.js';
import { InvalidationChannel } from './tracking.js';
import { UNTRUSTED, VerifiedRecords, checkUnmetered, type CachedRecord } from './unmetered.js';

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /**
   * An ioredis client: `new Redis(url, options)` (standalone or Sentinel) or
   * `new Redis.Cluster(nodes, options)`. Recommended options (see README):
   * `enableOfflineQueue: false`, `maxRetriesPerRequest: 0`,
   * `autoResendUnfulfilledCommands: false`, a short `connectTimeout` and a
   * capped `retryStrategy`. The store does not own the client: close it yourself.
   */
  client: Redis | Cluster;
  /** Prefix of every key (default `'tokenkit:'`); must not contain `{` or `}`. */
  prefix?: string | undefined;
  /** Milliseconds each operation may take before it rejects with `StoreUnavailableError` (default 1000). */
  timeout?: number | undefined;
  /**
   * Confirm every state change with Redis `WAIT` before reporting success:
   * issuing, revoking, consuming a reset token, redeeming an invitation (and,
   * with `verifications: true`, spending an API key's `remaining` use). A
   * change that fewer than `replicas` replicas acknowledge within `timeoutMs`
   * rejects with `StoreUnavailableError`, so a failover can never hand back a
   * token whose use was reported. Off by default; see the README section
   * "Replication and failover" for the latency and availability cost.
   * The store then owns a second connection: call `store.close()` on shutdown.
   */
  waitForReplicas?: WaitForReplicasOptions | undefined;
  /**
   * How many unmetered records (no `remaining`, no rate limit) this store keeps
   * decoded in memory, each with its version, so that verifying one is a
   * single `HGET` of the version instead of a script (default 10 000, ~1 KB
   * each; 0 turns the cache off). Never stale: every change to a record
   * replaces its version, and a verification whose version differs reads the
   * record again.
   */
  recordCache?: number | undefined;
  /**
   * Server-assisted client-side caching (Redis ≥ 6, standalone or Cluster):
   * the store opens one connection per master that runs `CLIENT TRACKING …
   * BCAST PREFIX <prefix>` and receives Redis' invalidations, so that an
   * unmetered record verified recently is verified again with zero round
   * trips; a change made anywhere (another process, a hand edit, an expiry)
   * drops the cached copy as soon as its invalidation arrives (see the README
   * for the measured window). Whenever that connection is down, the cache is
   * emptied and verifications go to Redis (fail closed). Default `true`
   * (ignored with `recordCache: 0`, and on Sentinel clients, where the store
   * keeps the one-`HGET` check); `false` keeps every verification one round
   * trip. Call `store.close()` on shutdown to close these connections.
   */
  clientTracking?: boolean;
  /**
   * `false` silences this store's `TokenkitWarning`s;
   * `{ TOKENKIT_REDIS_OFFLINE_QUEUE: false }` silences that one.
   */
  validate?: ValidateOption | undefined;
}

const USE_FAILURES: ReadonlySet<string> = new Set<UseFailure>([
  'NOT_FOUND',
  'REVOKED',
  'EXPIRED',
  'INSUFFICIENT_SCOPE',
  'RATE_LIMITED',
  'EXHAUSTED',
  'ALREADY_REDEEMED',
  'EMAIL_MISMATCH',
]);

let warnedOfflineQueue = false;

/**
 * tokenkit state in Redis, shared by every app server. Each state change
 * concurrent requests can race on is one server-side step (a Lua script via
 * ioredis `defineCommand`); an API-key verification that reaches Redis is
 * exactly one round trip, and one of a recently verified unmetered key is
 * zero, kept exact by Redis' invalidations (`clientTracking`; call `close()`
 * on shutdown). Every method fails closed: it rejects with `StoreUnavailableError`
 * when Redis is down, errors or does not answer within `timeout` ms.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis'
 * import { ApiKeys } from '@tokenkit/core'
 * import { RedisStore } from '@tokenkit/redis'
 *
 * const client = new Redis(process.env.REDIS_URL!, { enableOfflineQueue: false, maxRetriesPerRequest: 0 })
 * const store = new RedisStore({ client })
 * const apiKeys = new ApiKeys({ store, secret: process.env.TOKENKIT_SECRET })
 * ```
 */
export class RedisStore implements Store {
  /** The key layout (exposed for tooling and tests). */
  readonly keys: KeyLayout;
  /** Per-operation deadline in ms. */
  readonly timeout: number;
  private readonly client: Redis | Cluster;
  private readonly scripts: Scripts;
  /** Unmetered records with their versions: verified with one HGET instead of the use script. */
  private readonly verified: VerifiedRecords;
  private readonly deadlines: Deadlines;
  /** Versions are `<random per store><counter>`: unique across stores and processes without a round trip. */
  private readonly versionPrefix = tokenUrlsafe(9);
  private versionCounter = 0;
  /** Set when `waitForReplicas` is: runs confirmed writes on its own connection. */
  private readonly replicas: ReplicaWaiter | undefined;
  /** Set when client tracking is on: the invalidation connections. */
  private readonly channel: InvalidationChannel | undefined;

  /**
   * @param options - client, key prefix and per-operation timeout
   * @throws ConfigError when the client is not an ioredis client, the prefix contains braces or the timeout is not positive
   */
  constructor(options: RedisStoreOptions) {
    const client = options?.client;
    if (typeof client !== 'object' || client === null || typeof client.defineCommand !== 'function') {
      throw new ConfigError(
        'RedisStore: options.client must be an ioredis Redis or Cluster instance, e.g. ' +
          "{ client: new Redis(process.env.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 0 }) }",
      );
    }
    const prefix = options.prefix ?? 'tokenkit:';
    if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
      throw new ConfigError(
        `RedisStore: prefix ${JSON.stringify(prefix)} must be a string without '{' or '}' — a hash tag around ` +
          "the prefix would put every key in one Cluster slot; use e.g. 'tokenkit:' or 'myapp:tokenkit:'",
      );
    }
    const timeout = options.timeout ?? 1000;
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
      throw new ConfigError(`RedisStore: timeout must be a positive number of milliseconds (got ${String(timeout)}); default 1000`);
    }
    this.client = client;
    this.keys = new KeyLayout(prefix);
    this.timeout = timeout;
    this.deadlines = new Deadlines(timeout);
    const recordCache = options.recordCache ?? 10_000;
    if (!Number.isSafeInteger(recordCache) || recordCache < 0) {
      throw new ConfigError(`RedisStore: recordCache must be a non-negative integer (got ${String(recordCache)}); default 10000, 0 disables`);
    }
    this.verified = new VerifiedRecords(recordCache);
    const clientTracking = options.clientTracking ?? true;
    if (typeof clientTracking !== 'boolean') {
      throw new ConfigError(`RedisStore: clientTracking must be true or false (got ${String(clientTracking)}); default true`);
    }
    this.channel =
      clientTracking && recordCache > 0 && !isSentinel(client) && !hasKeyPrefix(client)
        ? new InvalidationChannel(client, prefix, this.verified, Math.max(timeout, 2000), timeout)
        : undefined;
    this.scripts = defineScripts(client);
    this.replicas = options.waitForReplicas === undefined ? undefined : new ReplicaWaiter(client, options.waitForReplicas, timeout);
    const validate = options.validate;
    if (validate !== false && (typeof validate !== 'object' || validate.TOKENKIT_REDIS_OFFLINE_QUEUE !== false)) {
      warnAboutOfflineQueue(client);
    }
  }

  /**
   * Runs a script; with `waitForReplicas`, on the confirming connection, where
   * a reply for which `changed` is true must be acknowledged by the replicas.
   */
  private confirmed(name: keyof Scripts, changed: (reply: unknown) => boolean, ...keysAndArgs: string[]): Promise<unknown> {
    if (this.replicas) return this.replicas.run(name, keysAndArgs, changed);
    return this.scripts[name](...keysAndArgs);
  }

  async put(ns: string, record: StoredRecord, options: PutOptions): Promise<boolean> {
    const key = this.keys.record(ns, record.id);
    this.verified.forget(key);
    const { pairs } = encodeFields(record);
    pairs.push(VERSION_FIELD, this.nextVersion());
    const written = await this.guard('put', () =>
      this.confirmed('put', isOne, key, this.keys.used(key), options.ifAbsent ? '1' : '0', ttlArg(options.ttlMs), ...pairs),
    );
    return Number(written) === 1;
  }

  async get<R extends StoredRecord>(ns: string, id: string): Promise<R | null> {
    const key = this.keys.record(ns, id);
    return this.guard('get', async () => decodeHash<R>(await this.client.hgetall(key)));
  }

  async update<R extends StoredRecord>(
    ns: string,
    id: string,
    patch: Partial<R>,
    options: UpdateOptions = {},
  ): Promise<R | null> {
    const key = this.keys.record(ns, id);
    this.verified.forget(key);
    const { pairs, dropped } = encodeFields(patch, 'id');
    // A fresh version: every cached copy of this record (here and in other processes) stops being current.
    pairs.push(VERSION_FIELD, this.nextVersion());
    const ttl = options.ttlMs === undefined ? '' : options.ttlMs === null ? 'persist' : ttlArg(options.ttlMs);
    const ifHash = options.ifHash === undefined ? '' : quote(options.ifHash);
    return this.guard('update', async () => {
      const flat = await this.confirmed(
        'update',
        Array.isArray,
        key,
        this.keys.used(key),
        ttl,
        ifHash,
        String(dropped.length),
        ...dropped,
        ...pairs,
      );
      if (!Array.isArray(flat)) return null;
      const record = decodeFlat<R>(flat);
      // The reply is the record as this write left it: cache it (this is how
      // the coalesced lastUsedAt write keeps the next verification one HGET).
      this.verified.remember(key, versionOf(flat), record);
      return record;
    });
  }

  async delete(ns: string, id: string): Promise<boolean> {
    const key = this.keys.record(ns, id);
    this.verified.forget(key);
    const removed = await this.guard('delete', () =>
      this.confirmed('delete', isOne, key, this.keys.rateLimit(key), this.keys.used(key)),
    );
    return Number(removed) === 1;
  }

  async consume<R extends StoredRecord>(
    ns: string,
    id: string,
    hashes: readonly string[],
    now: number,
  ): Promise<ConsumeResult<R>> {
    const key = this.keys.record(ns, id);
    const candidates = hashes.map(quote);
    this.verified.forget(key);
    return this.guard('consume', async () => {
      const reply = asArray(
        await this.confirmed('consume', isOk, key, this.keys.rateLimit(key), this.keys.used(key), String(now), ...candidates),
      );
      if (reply[0] === 'OK') return { ok: true, record: decodeFlat<R>(asArray(reply[1])) };
      if (reply[0] === 'EXPIRED') return { ok: false, reason: 'EXPIRED' };
      return { ok: false, reason: 'NOT_FOUND' };
    });
  }

  use<R extends StoredRecord>(ns: string, id: string, request: UseRequest): MaybePromise<UseResult<R>> {
    let key: string;
    try {
      key = this.keys.recentRecord(ns, id);
    } catch (err) {
      return Promise.reject(err);
    }
    // Not async: on the cached paths the answer is produced without extra
    // promise hops — inside the deadline race of the one-HGET check, or
    // synchronously (below) — on the per-request path.
    if (request.subject === undefined) {
      const cached = this.verified.get(key);
      if (cached !== undefined) {
        // Zero round trips: the copy was read while Redis was tracking the
        // prefix for us, and no invalidation for it has arrived since. The
        // answer itself, not a promise of it (as MemoryStore does): the guard
        // then finishes in this tick, like a request that never left the process.
        if (this.verified.isTrusted(cached)) return checkUnmetered(cached.record as R, request);
        return this.versionChecked<R>(key, cached, request);
      }
    }
    return this.scriptUse<R>(key, request);
  }

  /** One HGET of the version: the cached copy is current when the version still matches. */
  private versionChecked<R extends StoredRecord>(key: string, cached: CachedRecord, request: UseRequest): Promise<UseResult<R>> {
    const verified = this.verified;
    const started = verified.begin(key);
    let ended = false;
    const end = (): number => {
      if (ended) return UNTRUSTED;
      ended = true;
      return verified.end(key, started);
    };
    const result = this.deadlines.run(
      'use',
      () => this.client.hget(key, VERSION_FIELD),
      (version): UseResult<R> | Promise<UseResult<R>> => {
        const epoch = end();
        if (version === cached.version) {
          // Confirmed current at a moment Redis was tracking the prefix: trusted from now on.
          if (epoch !== UNTRUSTED && verified.get(key) === cached) cached.epoch = epoch;
          return checkUnmetered(cached.record as R, request);
        }
        // Changed, deleted or expired since it was cached: the script reads it afresh.
        verified.forget(key);
        return this.scriptUse<R>(key, request);
      },
    );
    if (started !== UNTRUSTED) result.catch(end);
    return result;
  }

  /** `use()` by the Lua script: lookup, checks and counting in one atomic step. Async: bad arguments reject. */
  private async scriptUse<R extends StoredRecord>(key: string, request: UseRequest): Promise<UseResult<R>> {
    const redemption = request.subject !== undefined;
    const args = [
      key,
      this.keys.rateLimit(key),
      this.keys.used(key),
      String(request.now),
      request.retainMs === undefined ? '' : ttlArg(request.retainMs),
      // '=' marks "a subject follows", so even an empty subject is one.
      request.subject === undefined ? '' : `=${String(request.subject)}`,
      request.email === undefined ? '' : JSON.stringify(request.email),
      String(request.hashes.length),
    ];
    for (const hash of request.hashes) args.push(quote(hash));
    // JSON text, like the stored array: the script matches whole elements without decoding.
    if (request.scopes) for (const scope of request.scopes) args.push(JSON.stringify(scope));
    // A redemption (once per subject) changes state whenever it succeeds; a verification only
    // when it spends a `remaining` use (the record has maxUses), and only `verifications: true`
    // puts verifications on the confirming connection at all.
    const replicas = this.replicas;
    const confirm = replicas !== undefined && (redemption || replicas.verifications);
    const verified = this.verified;
    // Only a verification's reply may become a trusted copy (see VerifiedRecords).
    const started = redemption ? UNTRUSTED : verified.begin(key);
    return this.guard('use', async () => {
      let raw: unknown;
      let epoch = UNTRUSTED;
      try {
        raw = await (confirm ? replicas.run('use', args, redemption ? isOk : spentUse) : this.scripts.use(...args));
      } finally {
        epoch = verified.end(key, started);
      }
      const reply = asArray(raw);
      const status = String(reply[0]);
      if (status === 'OK') {
        const flat = asArray(reply[1]);
        const record = decodeFlat<R>(flat);
        // Only a verification of an unmetered record leaves it unchanged (remember() checks the latter).
        if (!redemption) verified.remember(key, versionOf(flat), record, epoch);
        // A rate-limited record: the window after this use, for the RateLimit headers.
        if (reply.length >= 4) return { ok: true, record, window: { count: Number(reply[2]), resetMs: Math.max(0, Number(reply[3])) } };
        return { ok: true, record };
      }
      if (status === 'RATE_LIMITED') {
        const retryAfterMs = Math.max(1, Number(reply[1]));
        if (reply.length < 4) return { ok: false, reason: 'RATE_LIMITED', retryAfterMs };
        return { ok: false, reason: 'RATE_LIMITED', retryAfterMs, rateLimit: { limit: Number(reply[2]), windowMs: Number(reply[3]) } };
      }
      if (!USE_FAILURES.has(status)) throw new Error(`unexpected use reply ${JSON.stringify(status)}`);
      return { ok: false, reason: status as UseFailure };
    });
  }

  async hit(ns: string, key: string, windowMs: number, cost = 1): Promise<WindowCount> {
    if (!Number.isSafeInteger(cost) || cost < 0) throw new RangeError(`RedisStore.hit: cost must be a non-negative integer, got ${cost}`);
    const window = String(Math.max(1, Math.ceil(windowMs)));
    const counter = this.keys.window(ns, key);
    return this.guard('hit', async () => {
      const reply = asArray(await this.scripts.hit(counter, window, String(cost)));
      return { count: Number(reply[0]), resetMs: Number(reply[1]) };
    });
  }

  async usedBy(ns: string, id: string, options: UsedByPageOptions = {}): Promise<UsedByPage> {
    const limit = options.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`RedisStore.usedBy: limit must be a positive integer, got ${limit}`);
    const cursor = options.cursor ?? '0';
    // SSCAN cursors are unsigned 64-bit decimals: anything else is not a cursor Redis issued (and Redis would
    // answer an error that reads like an outage).
    if (typeof cursor !== 'string' || !/^[0-9]{1,20}$/.test(cursor) || BigInt(cursor) > MAX_SCAN_CURSOR) {
      throw new InvalidArgumentError(
        `RedisStore.usedBy: invalid cursor ${JSON.stringify(cursor)}; the cursor must come from a previous page (omit it for the first page)`,
      );
    }
    const key = this.keys.used(this.keys.record(ns, id));
    return this.guard('usedBy', async () => {
      const [next, ids] = await this.client.sscan(key, cursor, 'COUNT', limit);
      return { ids, cursor: next === '0' ? null : next };
    });
  }

  async indexAdd(ns: string, subject: string, id: string, ttlMs: number | null): Promise<void> {
    const key = this.keys.index(ns, subject);
    await this.guard('indexAdd', () => this.confirmed('indexAdd', always, key, id, ttlArg(ttlMs)));
  }

  async indexMembers(ns: string, subject: string): Promise<string[]> {
    const key = this.keys.index(ns, subject);
    return this.guard('indexMembers', () => this.client.smembers(key));
  }

  async indexRemove(ns: string, subject: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const key = this.keys.index(ns, subject);
    await this.guard('indexRemove', () => this.client.srem(key, ...ids));
  }

  /**
   * The store does not own the client (it may be shared with the app): call
   * `client.quit()` yourself on shutdown. With `waitForReplicas` this closes
   * the store's own confirming connection.
   *
   * @returns when the store's own connection (if any) is closed
   */
  async close(): Promise<void> {
    await Promise.all([this.replicas?.close(), this.channel?.close()]);
  }

  /**
   * The client-side cache's state, for tests, tooling and benchmarks: whether
   * cached copies are trusted right now, how many invalidated keys arrived,
   * how often the cache was emptied, and the ids of the invalidation
   * connections (`CLIENT KILL ID …` one to see the store fail closed);
   * `observe` calls a listener with each invalidated key (null = all).
   */
  get clientCache(): {
    enabled: boolean;
    trusted: boolean;
    size: number;
    invalidations: number;
    resets: number;
    connectionIds: number[];
    whenTrusted: (timeoutMs?: number) => Promise<boolean>;
    observe: (listener: (key: string | null) => void) => () => void;
  } {
    const verified = this.verified;
    const channel = this.channel;
    return {
      enabled: channel !== undefined,
      trusted: verified.trusting,
      size: verified.size,
      invalidations: verified.invalidations,
      resets: verified.resets,
      connectionIds: channel?.connectionIds() ?? [],
      whenTrusted: (timeoutMs = 5000) => channel?.whenTrusted(timeoutMs) ?? Promise.resolve(false),
      observe: (listener) => {
        verified.observers.add(listener);
        return () => verified.observers.delete(listener);
      },
    };
  }

  /** Fails closed: any error, or no answer within `timeout`, becomes `StoreUnavailableError`. */
  private guard<T>(what: string, operation: () => Promise<T>): Promise<T> {
    return this.deadlines.run(what, operation);
  }

  private nextVersion(): string {
    return this.versionPrefix + (this.versionCounter++).toString(36);
  }
}

/** The largest SSCAN cursor (Redis cursors are unsigned 64-bit integers). */
const MAX_SCAN_CURSOR = 2n ** 64n - 1n;
/** Script replies that mean "this changed something replicas must confirm". */
const isOne = (reply: unknown): boolean => Number(reply) === 1;
const isOk = (reply: unknown): boolean => Array.isArray(reply) && reply[0] === 'OK';
const always = (): boolean => true;
/** A successful verification that spent a use: the record has a `maxUses` (an API key's `remaining`). */
function spentUse(reply: unknown): boolean {
  if (!isOk(reply)) return false;
  const flat = (reply as unknown[])[1];
  if (!Array.isArray(flat)) return true;
  for (let i = 0; i < flat.length - 1; i += 2) {
    if (flat[i] === 'maxUses') return flat[i + 1] !== 'null';
  }
  return false;
}
/** TTL argument: '' = none; non-positive TTLs become 0, which makes PEXPIRE delete the key at once. */
function ttlArg(ttlMs: number | null): string {
  if (ttlMs === null || ttlMs === Number.POSITIVE_INFINITY) return '';
  if (Number.isNaN(ttlMs)) throw new RangeError('RedisStore: ttlMs must be a number or null');
  return String(Math.max(0, Math.ceil(ttlMs)));
}

/** Hashes are stored as JSON text, so candidates are compared in the same form. */
function quote(hash: string): string {
  return JSON.stringify(hash);
}

function asArray(reply: unknown): unknown[] {
  if (!Array.isArray(reply)) throw new Error('unexpected script reply');
  return reply;
}

/** A Sentinel-managed client: a failover can leave our connection on a demoted master, so no tracking there. */
/**
 * ioredis' `keyPrefix` is added to key arguments, not to `CLIENT TRACKING … PREFIX`, so Redis would
 * track (and name in its invalidations) other keys than ours: no zero-round-trip cache there; the
 * one-HGET version check stays exact.
 */
function hasKeyPrefix(client: Redis | Cluster): boolean {
  const options = (client as { options?: { keyPrefix?: unknown; redisOptions?: { keyPrefix?: unknown } } }).options;
  const keyPrefix = options?.keyPrefix ?? options?.redisOptions?.keyPrefix;
  return typeof keyPrefix === 'string' && keyPrefix !== '';
}

function isSentinel(client: Redis | Cluster): boolean {
  const sentinels = (client as { options?: { sentinels?: unknown[] | null } }).options?.sentinels;
  return Array.isArray(sentinels) && sentinels.length > 0;
}

function warnAboutOfflineQueue(client: Redis | Cluster): void {
  const options = (client as { options?: { enableOfflineQueue?: boolean } }).options;
  if (warnedOfflineQueue || options?.enableOfflineQueue === false) return;
  warnedOfflineQueue = true;
  process.emitWarning(
    'RedisStore: the ioredis client queues commands while disconnected (enableOfflineQueue is not false). ' +
      'Calls still fail closed after the store timeout, but a queued consume or redeem can run later, ' +
      'after its caller was told the store was unavailable. Create the client with ' +
      '{ enableOfflineQueue: false, maxRetriesPerRequest: 0 } (see the @tokenkit/redis README).',
    { code: 'TOKENKIT_REDIS_OFFLINE_QUEUE', type: 'TokenkitWarning' },
  );
}
