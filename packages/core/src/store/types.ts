/**
 * The store contract. Small on purpose (in the spirit of express-rate-limit's
 * `Store`): only what the three managers need, and every state change that
 * concurrent requests can race on is ONE atomic operation — `put` with
 * `ifAbsent`, `consume`, `use`, `update` and `hit`. `MemoryStore` is the
 * reference implementation; `@tokenkit/redis` implements the same semantics in
 * Lua, `@tokenkit/postgres` in one SQL statement each. The conformance kit
 * (`runStoreConformance` in `@tokenkit/core/testing`) pins them down.
 *
 * Namespaces (`ns`) are short fixed strings chosen by the managers
 * (`key`, `rst`, `inv`, `throttle:…`); ids are base62 credential ids; index
 * subjects and window keys are arbitrary strings.
 */

import type { MaybePromise } from '../maybe-promise.js';

/** Per-record rate limit: at most `limit` successful-auth uses per fixed window. */
export interface RateLimitRule {
  limit: number;
  windowMs: number;
}

/**
 * The fields the guarded operations read and write. A record may carry any
 * other JSON-serialisable fields; stores keep them as they are.
 */
export interface StoredRecord {
  /** Credential id: the lookup key inside the namespace. */
  id: string;
  /** Keyed hash of the full credential (`v…$…`), never the credential. */
  hash: string;
  /**
   * Hash of the credential this record had before a rotation: `use` accepts
   * it as well as `hash` until {@link StoredRecord.previousHashExpiresAt}.
   * Both credentials are the same record — one id, one `uses` counter, one
   * rate-limit window, one `revokedAt` — so a rotation's grace period never
   * multiplies a quota and a revocation ends both. `null`/absent = none.
   */
  previousHash?: string | null;
  /** Epoch ms from which `previousHash` no longer matches (checked against `UseRequest.now`). */
  previousHashExpiresAt?: number | null;
  /** Epoch ms from which the record is no longer usable; `null` = never. */
  expiresAt: number | null;
  /** Epoch ms of revocation; `null`/absent = not revoked. */
  revokedAt?: number | null;
  /** Cap on successful uses; `null`/absent = unlimited. */
  maxUses?: number | null;
  /** Successful uses so far (a counter: the subjects themselves are kept beside the record, see {@link Store.usedBy}). */
  uses?: number;
  /** Normalised (trimmed, lower-case) e-mail the record is bound to. */
  email?: string | null;
  /** Scopes the record grants. */
  scopes?: string[];
  /** Per-record rate limit, counted inside `use`. */
  rateLimit?: RateLimitRule | null;
}

/** Options of {@link Store.put}. */
export interface PutOptions {
  /** Time to live in ms (cleanup; `expiresAt` stays the source of truth); `null` = keep forever. */
  ttlMs: number | null;
  /** Write only when no record with this id exists (id collisions retry). */
  ifAbsent?: boolean;
}

/** Options of {@link Store.update}. */
export interface UpdateOptions {
  /** A new TTL in ms; omitted keeps the current one, `null` removes it. */
  ttlMs?: number | null;
  /** Merge only when the record's current `hash` equals this (compare-and-set); else null. */
  ifHash?: string;
}

/** Result of {@link Store.consume}. */
export type ConsumeResult<R extends StoredRecord> =
  | { ok: true; record: R }
  | { ok: false; reason: 'NOT_FOUND' | 'EXPIRED' };

/** What a guarded use checks, in this order, and records. */
export interface UseRequest {
  /**
   * Candidate hashes of the presented credential (one per configured secret);
   * the record matches when its `hash` equals one of them, or its
   * `previousHash` does while `now < previousHashExpiresAt` (constant time).
   * No match → `NOT_FOUND`, exactly like a missing record.
   */
  hashes: readonly string[];
  /** The caller's clock (epoch ms) for `expiresAt` checks. */
  now: number;
  /** Every scope here must be in `record.scopes` → else `INSUFFICIENT_SCOPE`. */
  scopes?: readonly string[];
  /**
   * Once-per-subject: already in the record's used-by set → `ALREADY_REDEEMED`;
   * else added to it. The set lives beside the record (not in it), so a
   * membership test and an insert cost the same at any number of uses.
   */
  subject?: string;
  /** Must equal `record.email` when the record has one → else `EMAIL_MISMATCH`. */
  email?: string;
  /** TTL to set when this use exhausts the record (keeps it readable for a while). */
  retainMs?: number;
}

/** Why a guarded use failed. */
export type UseFailure =
  | 'NOT_FOUND'
  | 'REVOKED'
  | 'EXPIRED'
  | 'INSUFFICIENT_SCOPE'
  | 'RATE_LIMITED'
  | 'EXHAUSTED'
  | 'ALREADY_REDEEMED'
  | 'EMAIL_MISMATCH';

/** Result of {@link Store.use}. */
export type UseResult<R extends StoredRecord> =
  | {
      ok: true;
      record: R;
      /**
       * Optional: the record's rate-limit window after this use, when it has a
       * `rateLimit` (lets the HTTP guard send `RateLimit` headers; a store
       * that leaves it out gets `RateLimit-Policy` only).
       */
      window?: WindowCount;
    }
  | {
      ok: false;
      reason: UseFailure;
      retryAfterMs?: number;
      /** Optional, with `RATE_LIMITED`: the rule that was exceeded. */
      rateLimit?: RateLimitRule;
    };

/** Options of {@link Store.usedBy}. */
export interface UsedByPageOptions {
  /** Cursor from the previous page; omitted = start. */
  cursor?: string;
  /** About how many ids per page (a hint, default 100). */
  limit?: number;
}

/** A page of {@link Store.usedBy}. */
export interface UsedByPage {
  /** Subjects on this page. */
  ids: string[];
  /** Pass to the next call; null when the iteration is complete. */
  cursor: string | null;
}

/** A fixed-window counter after an increment. */
export interface WindowCount {
  /** Hits in the current window, including this one. */
  count: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

/**
 * A backend for tokenkit state. Implement it to use another database; run the
 * conformance kit (`runStoreConformance` from `@tokenkit/core/testing`) against it.
 *
 * Every method rejects with `StoreUnavailableError` when the backend cannot
 * answer; none of them ever resolves to a "valid" result on failure.
 */
export interface Store {
  /**
   * Writes a record (replacing any record with this id, together with its
   * used-by set: a written record starts with nobody in it).
   *
   * @returns false only when `ifAbsent` is set and the id is taken
   */
  put(ns: string, record: StoredRecord, options: PutOptions): Promise<boolean>;

  /** Reads a record (null when absent or past its TTL). Treat it as read-only. */
  get<R extends StoredRecord>(ns: string, id: string): Promise<R | null>;

  /**
   * Atomically merges `patch` into an existing record.
   *
   * @param options.ttlMs - a new TTL; omitted keeps the current one, `null` removes it
   * @param options.ifHash - compare-and-set: merge only when the record's `hash`
   *   is exactly this string (e.g. the one the caller read before a rotation);
   *   otherwise write nothing and return null. A plain string comparison: both
   *   sides are stored values, never presented input.
   * @returns the merged record, or null when there is none (or `ifHash` differs)
   */
  update<R extends StoredRecord>(
    ns: string,
    id: string,
    patch: Partial<R>,
    options?: UpdateOptions,
  ): Promise<R | null>;

  /** Deletes a record (and its rate-limit counter and used-by set). @returns whether it existed */
  delete(ns: string, id: string): Promise<boolean>;

  /**
   * Single use: when a record matches one of `hashes` and `now < expiresAt`,
   * deletes it (with its counter and used-by set) and returns it — atomically, so of many concurrent callers
   * exactly one wins. A hash mismatch leaves the record untouched
   * (`NOT_FOUND`); an expired record is deleted (`EXPIRED`).
   */
  consume<R extends StoredRecord>(ns: string, id: string, hashes: readonly string[], now: number): Promise<ConsumeResult<R>>;

  /**
   * Guarded, counted use — one atomic operation that checks, in order:
   * hash → `NOT_FOUND`, `revokedAt` → `REVOKED`, `expiresAt` → `EXPIRED`,
   * scopes → `INSUFFICIENT_SCOPE`, rate limit (counts this attempt) →
   * `RATE_LIMITED` with `retryAfterMs`, `maxUses` → `EXHAUSTED`, subject →
   * `ALREADY_REDEEMED`, email → `EMAIL_MISMATCH`; then on success increments
   * `uses` (and adds `subject` to the record's used-by set) when the record
   * has a `maxUses` or a subject was given. Records with neither are not
   * written. Cost does not depend on how many subjects used the record: the
   * set is a separate structure (a hash set; in Redis a set key with the
   * record's hash tag) that is tested and added to, never read whole — and
   * it is never part of the returned record.
   *
   * A record's used-by set shares its lifetime: `put` starts a record with an
   * empty set, `delete`/`consume` remove it, TTL changes apply to both.
   *
   * The one method that may also answer synchronously: it returns a
   * {@link MaybePromise} — the result itself, or a promise of it. It runs on
   * every API-key verification, and a store that can answer in-process
   * (`MemoryStore`; `RedisStore` from a copy its client-side cache trusts)
   * and returns the result itself lets the guard continue in the same tick,
   * with no promise allocated. A store that talks to a server simply returns
   * a promise. Callers accept both; a synchronous throw counts as a failure.
   */
  use<R extends StoredRecord>(ns: string, id: string, request: UseRequest): MaybePromise<UseResult<R>>;

  /**
   * Fixed-window counter: adds `cost` (default 1; 0 reads) to the window of
   * `key`, starting a new window of `windowMs` when none is running.
   */
  hit(ns: string, key: string, windowMs: number, cost?: number): Promise<WindowCount>;

  /**
   * One page of the subjects that used a record (its used-by set, filled by
   * `use` with a `subject`), for listing redeemers of a large multi-use
   * invitation without reading them all at once. Pages come in no particular
   * order; iterate until `cursor` is null. A subject present for the whole
   * iteration is returned at least once (Redis `SSCAN` semantics: a caller
   * that needs exactly-once should de-duplicate).
   *
   * A cursor the store did not issue (`'abc'`, `'-1'`, `'1.5'`, …) is bad
   * input, not an outage: reject it with `InvalidArgumentError` (code
   * `INVALID_ARGUMENT`), never with `StoreUnavailableError` or a plain error
   * (which callers map to `StoreUnavailableError`), and without asking the
   * backend.
   *
   * @param options.cursor - from the previous page; omitted = first page
   * @param options.limit - about how many ids per page (a hint; default 100)
   * @returns the page's ids and the next cursor (null when done)
   * @throws InvalidArgumentError when `options.cursor` is not a cursor this store issued
   */
  usedBy(ns: string, id: string, options?: UsedByPageOptions): Promise<UsedByPage>;

  /** Adds `id` to the set of `subject`; the set lives at least `ttlMs` (null = forever). */
  indexAdd(ns: string, subject: string, id: string, ttlMs: number | null): Promise<void>;

  /** Ids in the set of `subject` (may include ids whose records are gone). */
  indexMembers(ns: string, subject: string): Promise<string[]>;

  /** Removes ids from the set of `subject`. */
  indexRemove(ns: string, subject: string, ids: readonly string[]): Promise<void>;

  /** Releases timers/connections the store owns. */
  close?(): Promise<void>;
}
