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
  /** Epoch ms from which the record is no longer usable; `null` = never. */
  expiresAt: number | null;
  /** Epoch ms of revocation; `null`/absent = not revoked. */
  revokedAt?: number | null;
  /** Cap on successful uses; `null`/absent = unlimited. */
  maxUses?: number | null;
  /** Successful uses so far. */
  uses?: number;
  /** Subjects that used the record (once-per-subject records). */
  usedBy?: string[];
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

/** Result of {@link Store.consume}. */
export type ConsumeResult<R extends StoredRecord> =
  | { ok: true; record: R }
  | { ok: false; reason: 'NOT_FOUND' | 'EXPIRED' };

/** What a guarded use checks, in this order, and records. */
export interface UseRequest {
  /**
   * Candidate hashes of the presented credential (one per configured secret);
   * the record matches when its `hash` equals one of them (constant time).
   * No match → `NOT_FOUND`, exactly like a missing record.
   */
  hashes: readonly string[];
  /** The caller's clock (epoch ms) for `expiresAt` checks. */
  now: number;
  /** Every scope here must be in `record.scopes` → else `INSUFFICIENT_SCOPE`. */
  scopes?: readonly string[];
  /** Once-per-subject: already in `usedBy` → `ALREADY_REDEEMED`; else appended. */
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
  | { ok: true; record: R }
  | { ok: false; reason: UseFailure; retryAfterMs?: number };

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
   * Writes a record.
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
   * @returns the merged record, or null when there is none
   */
  update<R extends StoredRecord>(
    ns: string,
    id: string,
    patch: Partial<R>,
    options?: { ttlMs?: number | null },
  ): Promise<R | null>;

  /** Deletes a record (and its rate-limit counter). @returns whether it existed */
  delete(ns: string, id: string): Promise<boolean>;

  /**
   * Single use: when a record matches one of `hashes` and `now < expiresAt`,
   * deletes it and returns it — atomically, so of many concurrent callers
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
   * `uses` (and appends `subject` to `usedBy`) when the record has a
   * `maxUses` or a subject was given. Records with neither are not written.
   *
   * The one method that may also answer synchronously (return the result
   * itself instead of a promise): it runs on every API-key verification, and
   * an in-process store saves the guard a promise and a microtask hop that
   * way. Callers accept both; a synchronous throw counts as a failure.
   */
  use<R extends StoredRecord>(ns: string, id: string, request: UseRequest): Promise<UseResult<R>> | UseResult<R>;

  /**
   * Fixed-window counter: adds `cost` (default 1; 0 reads) to the window of
   * `key`, starting a new window of `windowMs` when none is running.
   */
  hit(ns: string, key: string, windowMs: number, cost?: number): Promise<WindowCount>;

  /** Adds `id` to the set of `subject`; the set lives at least `ttlMs` (null = forever). */
  indexAdd(ns: string, subject: string, id: string, ttlMs: number | null): Promise<void>;

  /** Ids in the set of `subject` (may include ids whose records are gone). */
  indexMembers(ns: string, subject: string): Promise<string[]>;

  /** Removes ids from the set of `subject`. */
  indexRemove(ns: string, subject: string, ids: readonly string[]): Promise<void>;

  /** Releases timers/connections the store owns. */
  close?(): Promise<void>;
}
