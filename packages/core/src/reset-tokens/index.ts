import { type Duration, parseDuration } from '../duration.js';
import { ConfigError } from '../errors.js';
import { registerEventSink } from '../events.js';
import { CredentialPipeline, type ManagerOptions } from '../pipeline/credential-pipeline.js';
import { checkMeta, checkSubject, copyMeta, type Meta } from '../pipeline/validate.js';
import { matchesAnyHash } from '../hashing/match.js';
import type { Store, StoredRecord } from '../store/types.js';

const NS = 'rst';
const MAX_TTL_MS = 24 * 3_600_000;
/**
 * Expired tokens stay in the store this long after `expiresAt`, so a late
 * click answers `EXPIRED` ("ask for a new link") rather than `NOT_FOUND`; with
 * a TTL of exactly the lifetime the store would drop the record at the very
 * moment it expires and `EXPIRED` could never be observed.
 */
const EXPIRED_VISIBLE_MS = 3_600_000;

/** Stored form of a reset token. */
export interface ResetTokenRecord extends StoredRecord {
  userId: string;
  /** Absent when empty: an empty object would be one more heap object per token in a MemoryStore. */
  meta?: Meta;
  createdAt: number;
  expiresAt: number;
}

/** Options of {@link ResetTokens}. */
export interface ResetTokensOptions extends ManagerOptions {
  /** Lifetime of a token (default `'1h'`, at most `'24h'`). */
  ttl?: Duration | undefined;
  /**
   * `'revoke-previous'` (default): a new token invalidates the user's older
   * ones — atomically, because every token of a user is written at the same
   * record id (derived from the user id with the secret), so a new one
   * overwrites the last. `'keep'`: each token has its own random id and they
   * all stay valid until used or expired.
   */
  onIssue?: 'revoke-previous' | 'keep' | undefined;
}

/** A reset token as returned — never with its hash or the token itself. */
export interface ResetToken {
  id: string;
  /** Whose password the token may reset. */
  userId: string;
  /** Epoch ms from which the token no longer works. */
  expiresAt: number;
  createdAt: number;
  meta: Meta;
}

/** Why a reset token was rejected. */
export type ResetFailureCode = 'MALFORMED' | 'NOT_FOUND' | 'EXPIRED';

/** Result of {@link ResetTokens.check} and {@link ResetTokens.consume}. */
export type ResetTokenResult = { valid: true; reset: ResetToken } | { valid: false; code: ResetFailureCode };

/** A presented token, parsed and hashed once. */
interface PresentedToken {
  id: string;
  hashes: string[];
}

/**
 * What the HTTP reset flow uses beyond the public methods, so a confirmation
 * parses and hashes the token once and reads the user's index once. Not part
 * of the package's public API.
 */
export interface ResetConfirmation<P = PresentedToken> {
  /** Parses and hashes a token; `null` means `MALFORMED` (already reported). */
  present(token: unknown): P | null;
  /** {@link ResetTokens.check} of a presented token. */
  check(presented: P): Promise<ResetTokenResult>;
  /** {@link ResetTokens.consume} of a presented token, leaving the index to {@link ResetConfirmation.revokeRest}. */
  consume(presented: P): Promise<ResetTokenResult>;
  /** {@link ResetTokens.revokeAll} after a consume: the consumed record is not deleted again. */
  revokeRest(consumed: ResetToken): Promise<number>;
}

const confirmations = new WeakMap<object, ResetConfirmation>();

/**
 * @param resets - the manager a flow was given
 * @returns its one-pass confirmation, or undefined for anything that is not a
 *   `ResetTokens` of this copy of the package (use the public methods then)
 */
export function resetConfirmationOf(resets: unknown): ResetConfirmation | undefined {
  return typeof resets === 'object' && resets !== null ? confirmations.get(resets) : undefined;
}

/**
 * Single-use, expiring password-reset tokens.
 *
 * @example
 * ```ts
 * const resets = new ResetTokens({ store, secret, ttl: '30m' })
 * const { token } = await resets.issue(user.id)
 * // … later, on POST only:
 * const result = await resets.consume(token)
 * if (result.valid) await setPassword(result.reset.userId, newPassword)
 * ```
 */
export class ResetTokens {
  private readonly pipeline: CredentialPipeline;
  private readonly ttlMs: number;
  private readonly revokePrevious: boolean;

  /** @param options - store, secret(s), prefix (default `'rst'`), ttl, onIssue, clock, events */
  constructor(options: ResetTokensOptions) {
    this.pipeline = new CredentialPipeline(options, 'rst', 'ResetTokens');
    registerEventSink(this, this.pipeline);
    this.ttlMs = parseDuration(options.ttl ?? '1h', 'ResetTokens: ttl');
    if (this.ttlMs < 1000 || this.ttlMs > MAX_TTL_MS) {
      throw new ConfigError(
        `ResetTokens: ttl must be between 1s and 24h (got ${this.ttlMs} ms); reset links should be short-lived`,
      );
    }
    const onIssue = options.onIssue ?? 'revoke-previous';
    if (onIssue !== 'revoke-previous' && onIssue !== 'keep') {
      throw new ConfigError("ResetTokens: onIssue must be 'revoke-previous' or 'keep'");
    }
    this.revokePrevious = onIssue === 'revoke-previous';
    confirmations.set(this, {
      present: (token) => {
        const presented = this.present(token);
        if (!presented) this.reject('MALFORMED');
        return presented;
      },
      check: (presented) => this.checkPresented(presented),
      consume: (presented) => this.consumePresented(presented),
      // Under 'revoke-previous' the consumed id is the user's own, where a token issued meanwhile lives:
      // delete it too. A random 'keep' id is never written twice, so its record is gone for good.
      revokeRest: (consumed) => this.revoke(consumed.userId, this.revokePrevious ? undefined : { skip: consumed.id }),
    });
  }

  /** Token lifetime in milliseconds. */
  get ttl(): number {
    return this.ttlMs;
  }

  /** The store the tokens live in (the HTTP flows keep reset-request throttles in it too). */
  get store(): Store {
    return this.pipeline.store;
  }

  /**
   * Issues a token for a user (revoking their earlier ones unless `onIssue: 'keep'`).
   *
   * @param userId - whose password the token may reset
   * @param options - metadata stored with the token
   * @returns the `token` (send it, never store it), its `expiresAt` (epoch ms, e.g. for the e-mail) and the `reset` it stands for
   */
  async issue(userId: string, options: { meta?: Meta } = {}): Promise<{ token: string; expiresAt: number; reset: ResetToken }> {
    const subject = checkSubject(userId, 'userId');
    const meta = checkMeta(options?.meta);
    const now = this.pipeline.now();
    const expiresAt = now + this.ttlMs;
    const ttlMs = this.ttlMs + EXPIRED_VISIBLE_MS;
    const build = (id: string, hash: string): ResetTokenRecord => ({
      id,
      hash,
      userId: subject,
      createdAt: now,
      expiresAt,
      ...(Object.keys(meta).length > 0 ? { meta } : {}),
    });
    const store = this.pipeline.store;
    let record: ResetTokenRecord;
    let credential: string;
    if (this.revokePrevious) {
      // One record per user at an id derived from the user: writing the new
      // token replaces the previous one in the same single write, so of any
      // number of concurrent issues exactly the last write's token is valid.
      const [current] = this.pipeline.derivedIds('reset-user', subject) as [string, ...string[]];
      const minted = this.pipeline.mintFor(current);
      record = build(current, minted.hash);
      credential = minted.credential;
      await this.pipeline.call(() => store.put(NS, record, { ttlMs }));
      await this.pipeline.call(() => store.indexAdd(NS, subject, current, ttlMs));
      try {
        await this.revoke(subject, { skip: current, keepIndexed: true });
      } catch {
        // Best effort: the new token is written and valid either way; what this misses (tokens at ids
        // derived under older secrets, random-id tokens from 'keep') expires with its TTL or goes with
        // the next revokeAll().
      }
    } else {
      const minted = await this.pipeline.mint<ResetTokenRecord>(NS, build, ttlMs);
      record = minted.record;
      credential = minted.credential;
      await this.pipeline.call(() => store.indexAdd(NS, subject, record.id, ttlMs));
    }
    this.pipeline.emit({ type: 'reset.issued', id: record.id, subject, at: now });
    return { token: credential, expiresAt: record.expiresAt, reset: toResetToken(record) };
  }

  /**
   * Checks a token without consuming it — safe for GET/HEAD, which mail
   * scanners prefetch.
   *
   * @param token - the presented token
   * @returns `{ valid: true, reset }` or `{ valid: false, code }`
   */
  async check(token: unknown): Promise<ResetTokenResult> {
    const presented = this.present(token);
    return presented ? this.checkPresented(presented) : this.reject('MALFORMED');
  }

  /**
   * Consumes a token: atomic single use — of any number of concurrent callers
   * exactly one gets `valid: true`.
   *
   * @param token - the presented token
   * @returns `{ valid: true, reset }` or `{ valid: false, code }`
   */
  async consume(token: unknown): Promise<ResetTokenResult> {
    const presented = this.present(token);
    if (!presented) return this.reject('MALFORMED');
    const result = await this.consumePresented(presented);
    if (result.valid) {
      const { id, userId } = result.reset;
      await this.pipeline.call(() => this.pipeline.store.indexRemove(NS, userId, [id])).catch(() => {
        // The token is already gone; a stale index entry is pruned by the next revokeAll.
      });
    }
    return result;
  }

  /**
   * @param id - the token's public id
   * @returns the token's record view, or null when unknown (or gone: used,
   *   revoked, or more than an hour past its expiry)
   */
  async get(id: string): Promise<ResetToken | null> {
    if (typeof id !== 'string') return null;
    const record = await this.pipeline.call(() => this.pipeline.store.get<ResetTokenRecord>(NS, id));
    return record ? toResetToken(record) : null;
  }

  /**
   * @param filter - `userId` whose tokens to list
   * @returns the user's outstanding tokens, newest first (expired ones
   *   included for an hour after their expiry; compare `expiresAt`)
   */
  async list(filter: { userId: string }): Promise<ResetToken[]> {
    const subject = checkSubject(filter?.userId, 'userId');
    const store = this.pipeline.store;
    const indexed = await this.pipeline.call(() => store.indexMembers(NS, subject));
    // The user's derived ids too (see revoke()).
    const ids = [...new Set([...indexed, ...this.pipeline.derivedIds('reset-user', subject)])];
    const records = await this.pipeline.call(() => Promise.all(ids.map((id) => store.get<ResetTokenRecord>(NS, id))));
    const gone = indexed.filter((id) => records[ids.indexOf(id)] === null);
    if (gone.length > 0) await this.pipeline.call(() => store.indexRemove(NS, subject, gone));
    return records
      .filter((r): r is ResetTokenRecord => r !== null && r.userId === subject)
      .map(toResetToken)
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * Invalidates every outstanding token of a user — call it after a password or
   * e-mail change.
   *
   * @param userId - the user
   * @returns how many tokens were deleted
   */
  async revokeAll(userId: string): Promise<number> {
    return this.revoke(checkSubject(userId, 'userId'));
  }

  /**
   * Deletes a user's tokens — all of them (also the one at the user's derived
   * id: after a consume, a token issued meanwhile lives there), or all but
   * `skip` (the token an issue just wrote, whose index entry stays with
   * `keepIndexed`; or a consumed random-id token, already gone): one index
   * read, the deletes, one index removal.
   */
  private async revoke(subject: string, except?: { skip: string; keepIndexed?: boolean }): Promise<number> {
    const store = this.pipeline.store;
    const skip = except?.skip;
    const indexed = await this.pipeline.call(() => store.indexMembers(NS, subject));
    // The user's derived ids too: a consume racing an issue can drop the
    // index entry of the token the issue just wrote at that id.
    const ids = [...new Set([...indexed, ...this.pipeline.derivedIds('reset-user', subject)])].filter((id) => id !== skip);
    const deleted = ids.length === 0 ? [] : await this.pipeline.call(() => Promise.all(ids.map((id) => store.delete(NS, id))));
    const unindexed = except?.keepIndexed ? indexed.filter((id) => id !== skip) : indexed;
    if (unindexed.length > 0) await this.pipeline.call(() => store.indexRemove(NS, subject, unindexed));
    return deleted.filter(Boolean).length;
  }

  /** Parses and hashes a presented token once; null when it is malformed (nothing reported yet). */
  private present(token: unknown): PresentedToken | null {
    return this.pipeline.resolve(token);
  }

  private async checkPresented(presented: PresentedToken): Promise<ResetTokenResult> {
    const record = await this.pipeline.call(() => this.pipeline.store.get<ResetTokenRecord>(NS, presented.id));
    if (!record || !matchesAnyHash(record.hash, presented.hashes)) return this.reject('NOT_FOUND', presented.id);
    if (this.pipeline.now() >= record.expiresAt) return this.reject('EXPIRED', presented.id);
    return { valid: true, reset: toResetToken(record) };
  }

  /** The atomic single use; the user's index entry is left to the caller. */
  private async consumePresented(presented: PresentedToken): Promise<ResetTokenResult> {
    const now = this.pipeline.now();
    const store = this.pipeline.store;
    const result = await this.pipeline.call(() =>
      store.consume<ResetTokenRecord>(NS, presented.id, presented.hashes, now),
    );
    if (!result.ok) return this.reject(result.reason, presented.id);
    const { record } = result;
    this.pipeline.emit({ type: 'reset.consumed', id: record.id, subject: record.userId, at: now });
    return { valid: true, reset: toResetToken(record) };
  }

  private reject(code: ResetFailureCode, id?: string): ResetTokenResult {
    this.pipeline.emit({ type: 'reset.rejected', code, at: this.pipeline.now(), ...(id ? { id } : {}) });
    return { valid: false, code };
  }
}

/**
 * @param record - the stored record
 * @returns the public view of the token (no hash)
 */
function toResetToken(record: ResetTokenRecord): ResetToken {
  return {
    id: record.id,
    userId: record.userId,
    expiresAt: record.expiresAt,
    createdAt: record.createdAt,
    meta: copyMeta(record.meta),
  };
}
