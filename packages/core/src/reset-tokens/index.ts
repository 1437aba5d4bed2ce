import { type Duration, parseDuration } from '../duration.js';
import { ConfigError } from '../errors.js';
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
  /** Absent when empty: an empty object costs ~56 bytes per token in a MemoryStore. */
  meta?: Meta;
  createdAt: number;
  expiresAt: number;
}

/** Options of {@link ResetTokens}. */
export interface ResetTokensOptions extends ManagerOptions {
  /** Lifetime of a token (default `'1h'`, at most `'24h'`). */
  ttl?: Duration | undefined;
  /** `'revoke-previous'` (default): a new token invalidates the user's older ones. `'keep'`: they stay valid. */
  onIssue?: 'revoke-previous' | 'keep' | undefined;
}

/** Why a reset token was rejected. */
export type ResetFailureCode = 'MALFORMED' | 'NOT_FOUND' | 'EXPIRED';

/** Result of {@link ResetTokens.check} and {@link ResetTokens.consume}. */
export type ResetTokenResult =
  | { valid: true; userId: string; expiresAt: number; meta: Meta }
  | { valid: false; code: ResetFailureCode };

/**
 * Single-use, expiring password-reset tokens.
 *
 * @example
 * ```ts
 * const resets = new ResetTokens({ store, secret, ttl: '30m' })
 * const { token } = await resets.issue(user.id)
 * // … later, on POST only:
 * const result = await resets.consume(token)
 * if (result.valid) await setPassword(result.userId, newPassword)
 * ```
 */
export class ResetTokens {
  private readonly pipeline: CredentialPipeline;
  private readonly ttlMs: number;
  private readonly revokePrevious: boolean;

  /** @param options - store, secret(s), prefix (default `'rst'`), ttl, onIssue, clock, events */
  constructor(options: ResetTokensOptions) {
    this.pipeline = new CredentialPipeline(options, 'rst', 'ResetTokens');
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
   * @returns the token (send it, never store it), its id and expiry
   */
  async issue(userId: string, options: { meta?: Meta } = {}): Promise<{ token: string; id: string; expiresAt: number }> {
    const subject = checkSubject(userId, 'userId');
    const meta = checkMeta(options.meta);
    if (this.revokePrevious) await this.revokeAll(subject);
    const now = this.pipeline.now();
    const expiresAt = now + this.ttlMs;
    const { credential, record } = await this.pipeline.mint<ResetTokenRecord>(
      NS,
      (id, hash) => ({
        id,
        hash,
        userId: subject,
        createdAt: now,
        expiresAt,
        ...(Object.keys(meta).length > 0 ? { meta } : {}),
      }),
      this.ttlMs + EXPIRED_VISIBLE_MS,
    );
    await this.pipeline.call(() =>
      this.pipeline.store.indexAdd(NS, subject, record.id, this.ttlMs + EXPIRED_VISIBLE_MS),
    );
    this.pipeline.emit({ type: 'reset.issued', id: record.id, subject, at: now });
    return { token: credential, id: record.id, expiresAt };
  }

  /**
   * Checks a token without consuming it — safe for GET/HEAD, which mail
   * scanners prefetch.
   *
   * @param token - the presented token
   * @returns `{ valid: true, userId, expiresAt, meta }` or `{ valid: false, code }`
   */
  async check(token: unknown): Promise<ResetTokenResult> {
    const resolved = this.pipeline.resolve(token);
    if (!resolved) return this.reject('MALFORMED');
    const record = await this.pipeline.call(() => this.pipeline.store.get<ResetTokenRecord>(NS, resolved.id));
    if (!record || !matchesAnyHash(record.hash, resolved.hashes)) return this.reject('NOT_FOUND', resolved.id);
    if (this.pipeline.now() >= record.expiresAt) return this.reject('EXPIRED', resolved.id);
    return { valid: true, userId: record.userId, expiresAt: record.expiresAt, meta: copyMeta(record.meta) };
  }

  /**
   * Consumes a token: atomic single use — of any number of concurrent callers
   * exactly one gets `valid: true`.
   *
   * @param token - the presented token
   * @returns `{ valid: true, userId, expiresAt, meta }` or `{ valid: false, code }`
   */
  async consume(token: unknown): Promise<ResetTokenResult> {
    const resolved = this.pipeline.resolve(token);
    if (!resolved) return this.reject('MALFORMED');
    const now = this.pipeline.now();
    const store = this.pipeline.store;
    const result = await this.pipeline.call(() =>
      store.consume<ResetTokenRecord>(NS, resolved.id, resolved.hashes, now),
    );
    if (!result.ok) return this.reject(result.reason, resolved.id);
    const { record } = result;
    await store.indexRemove(NS, record.userId, [record.id]).catch(() => {
      // The token is already gone; a stale index entry is pruned by the next revokeAll.
    });
    this.pipeline.emit({ type: 'reset.consumed', id: record.id, subject: record.userId, at: now });
    return { valid: true, userId: record.userId, expiresAt: record.expiresAt, meta: copyMeta(record.meta) };
  }

  /**
   * Invalidates every outstanding token of a user — call it after a password or
   * e-mail change.
   *
   * @param userId - the user
   * @returns how many tokens were deleted
   */
  async revokeAll(userId: string): Promise<number> {
    const subject = checkSubject(userId, 'userId');
    const store = this.pipeline.store;
    const ids = await this.pipeline.call(() => store.indexMembers(NS, subject));
    if (ids.length === 0) return 0;
    const deleted = await this.pipeline.call(() => Promise.all(ids.map((id) => store.delete(NS, id))));
    await this.pipeline.call(() => store.indexRemove(NS, subject, ids));
    return deleted.filter(Boolean).length;
  }

  private reject(code: ResetFailureCode, id?: string): ResetTokenResult {
    this.pipeline.emit({ type: 'reset.rejected', code, at: this.pipeline.now(), ...(id ? { id } : {}) });
    return { valid: false, code };
  }
}
