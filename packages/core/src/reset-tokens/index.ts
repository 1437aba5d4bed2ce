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
  ttl?: Duration;
  /**
   * `'revoke-previous'` (default): a new token invalidates the user's older
   * ones — atomically, because every token of a user is written at the same
   * record id (derived from the user id with the secret), so a new one
   * overwrites the last. `'keep'`: each token has its own random id and they
   * all stay valid until used or expired.
   */
  onIssue?: 'revoke-previous' | 'keep';
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
    let id: string;
    let credential: string;
    if (this.revokePrevious) {
      // One record per user at an id derived from the user: writing the new
      // token replaces the previous one in the same single write, so of any
      // number of concurrent issues exactly the last write's token is valid.
      const [current, ...older] = this.pipeline.derivedIds('reset-user', subject) as [string, ...string[]];
      const minted = this.pipeline.mintFor(current);
      id = current;
      credential = minted.credential;
      await this.pipeline.call(() => store.put(NS, build(current, minted.hash), { ttlMs }));
      await this.pipeline.call(() => store.indexAdd(NS, subject, current, ttlMs));
      await this.revokeOthers(subject, current, older);
    } else {
      const minted = await this.pipeline.mint<ResetTokenRecord>(NS, build, ttlMs);
      id = minted.record.id;
      credential = minted.credential;
      await this.pipeline.call(() => store.indexAdd(NS, subject, id, ttlMs));
    }
    this.pipeline.emit({ type: 'reset.issued', id, subject, at: now });
    return { token: credential, id, expiresAt };
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
    const indexed = await this.pipeline.call(() => store.indexMembers(NS, subject));
    // The user's derived ids too: a consume racing an issue can drop the
    // index entry of the token the issue just wrote at that id.
    const ids = [...new Set([...indexed, ...this.pipeline.derivedIds('reset-user', subject)])];
    const deleted = await this.pipeline.call(() => Promise.all(ids.map((id) => store.delete(NS, id))));
    if (indexed.length > 0) await this.pipeline.call(() => store.indexRemove(NS, subject, indexed));
    return deleted.filter(Boolean).length;
  }

  /**
   * Best-effort cleanup after a `revoke-previous` issue: tokens at ids derived
   * under older secrets (still configured for verification) and random-id
   * tokens from `onIssue: 'keep'` or from before ids were derived. The new
   * token's own id is never touched, so this cannot race it away; what the
   * cleanup misses on a store error expires with its TTL, and
   * `revokeAll()` removes it too.
   */
  private async revokeOthers(subject: string, current: string, older: readonly string[]): Promise<void> {
    const store = this.pipeline.store;
    try {
      const indexed = await store.indexMembers(NS, subject);
      const others = [...new Set([...older, ...indexed])].filter((id) => id !== current);
      if (others.length === 0) return;
      await Promise.all(others.map((id) => store.delete(NS, id)));
      await store.indexRemove(NS, subject, others);
    } catch {
      // Best effort (see above): the new token is written and valid either way.
    }
  }

  private reject(code: ResetFailureCode, id?: string): ResetTokenResult {
    this.pipeline.emit({ type: 'reset.rejected', code, at: this.pipeline.now(), ...(id ? { id } : {}) });
    return { valid: false, code };
  }
}
