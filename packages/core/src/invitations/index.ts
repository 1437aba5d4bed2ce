import { type Duration, parseDuration } from '../duration.js';
import { CredentialPipeline, type ManagerOptions, toStoreUnavailable } from '../pipeline/credential-pipeline.js';
import {
  checkDuration,
  checkMeta,
  checkPositiveInteger,
  checkSubject,
  copyMeta,
  type Meta,
  normalizeEmail,
} from '../pipeline/validate.js';
import { InvalidArgumentError, isTokenkitError } from '../errors.js';
import { registerEventSink } from '../events.js';
import { matchesAnyHash } from '../hashing/match.js';
import type { Store, StoredRecord, UsedByPage } from '../store/types.js';

const NS = 'inv';
/** How many redeemers `get()` and `list()` put into `Invitation.usedBy`. */
export const USED_BY_PREVIEW = 100;
/** Index subject that lists every invitation (for `stats()` and unfiltered `list()`). */
const ALL = '*';

/** Lifecycle state of an invitation, derived on read. */
export type InvitationStatus = 'active' | 'exhausted' | 'expired' | 'revoked';

/** An invitation as returned — never with its hash or code. */
export interface Invitation {
  id: string;
  createdBy: string;
  role: string;
  maxUses: number;
  /** Exact number of redemptions. */
  uses: number;
  /**
   * A bounded preview of who redeemed it: at most the first
   * {@link USED_BY_PREVIEW} user ids (no particular order), filled by `get()`
   * and `list()`; empty in the results of `create()`, `check()`, `redeem()` and
   * `revoke()`, which must cost the same at any number of uses. For the
   * complete list page through {@link Invitations.redeemers}; `uses` is the count.
   */
  usedBy: string[];
  email: string | null;
  meta: Meta;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  status: InvitationStatus;
}

/** Stored form of an invitation. */
export interface InvitationRecord extends StoredRecord {
  createdBy: string;
  role: string;
  maxUses: number;
  /** Redemptions so far; the redeemers are the store's used-by set of this record (`Store.usedBy`). */
  uses: number;
  email: string | null;
  meta: Meta;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

/** Options of {@link Invitations}. */
export interface InvitationsOptions extends ManagerOptions {
  /** Default lifetime of an invitation (default `'7d'`). */
  ttl?: Duration | undefined;
  /** How long exhausted/expired/revoked invitations stay readable (default `'7d'`). */
  retention?: Duration | undefined;
}

/** Options of {@link Invitations.create}. */
export interface CreateInvitationOptions {
  createdBy: string;
  /** Role granted on redemption (default `'member'`). */
  role?: string | undefined;
  /** How many different users may redeem it (default 1). */
  maxUses?: number | undefined;
  expiresIn?: Duration | undefined;
  /** Bind to one address (compared trimmed and case-insensitively). */
  email?: string | undefined;
  meta?: Meta | undefined;
}

/** Why an invitation code was rejected. */
export type InvitationFailureCode =
  | 'MALFORMED'
  | 'NOT_FOUND'
  | 'REVOKED'
  | 'EXPIRED'
  | 'EXHAUSTED'
  | 'ALREADY_REDEEMED'
  | 'EMAIL_MISMATCH';

/** Result of {@link Invitations.check} and {@link Invitations.redeem}: the invitation (its `role` included) or why not. */
export type InvitationResult = { valid: true; invitation: Invitation } | { valid: false; code: InvitationFailureCode };

/** Counts by status, from {@link Invitations.stats}. */
export interface InvitationStats {
  active: number;
  exhausted: number;
  expired: number;
  revoked: number;
  total: number;
}

/**
 * Single- or multi-use invitation codes with roles, expiry and e-mail binding.
 *
 * @example
 * ```ts
 * const invites = new Invitations({ store, secret })
 * const { code } = await invites.create({ createdBy: admin.id, role: 'editor', maxUses: 5, expiresIn: '72h' })
 * const result = await invites.redeem(code, { userId: newUser.id, email: newUser.email })
 * if (result.valid) grant(newUser, result.invitation.role)
 * ```
 */
export class Invitations {
  private readonly pipeline: CredentialPipeline;
  private readonly ttlMs: number;
  private readonly retentionMs: number;

  /** @param options - store, secret(s), prefix (default `'inv'`), ttl, retention, clock, events */
  constructor(options: InvitationsOptions) {
    // usedBy: the paged read of who redeemed an invitation.
    this.pipeline = new CredentialPipeline(options, 'inv', 'Invitations', ['usedBy']);
    registerEventSink(this, this.pipeline);
    this.ttlMs = parseDuration(options.ttl ?? '7d', 'Invitations: ttl');
    this.retentionMs = parseDuration(options.retention ?? '7d', 'Invitations: retention');
  }

  /** The store the invitations live in (the HTTP flows keep their per-IP throttle in it too). */
  get store(): Store {
    return this.pipeline.store;
  }

  /**
   * Creates an invitation.
   *
   * @param options - creator, role, maxUses, expiry, bound e-mail, metadata
   * @returns the `code` (send it, never store it) and the invitation
   */
  async create(options: CreateInvitationOptions): Promise<{ code: string; invitation: Invitation }> {
    const createdBy = checkSubject(options?.createdBy, 'createdBy');
    const role = checkSubject(options.role ?? 'member', 'role');
    const maxUses = checkPositiveInteger(options.maxUses ?? 1, 'maxUses');
    const lifetime =
      options.expiresIn === undefined ? this.ttlMs : checkPositiveInteger(checkDuration(options.expiresIn, 'expiresIn'), 'expiresIn');
    let email: string | null = null;
    if (options.email !== undefined) {
      email = normalizeEmail(options.email) ?? null;
      if (email === null) throw new InvalidArgumentError('email must be a non-empty string when given');
    }
    const meta = checkMeta(options.meta);
    const now = this.pipeline.now();
    const expiresAt = now + lifetime;
    const ttlMs = lifetime + this.retentionMs;
    const store = this.pipeline.store;
    const { credential, record } = await this.pipeline.mint<InvitationRecord>(
      NS,
      (id, hash) => ({
        id,
        hash,
        createdBy,
        role,
        maxUses,
        uses: 0,
        email,
        meta,
        createdAt: now,
        expiresAt,
        revokedAt: null,
      }),
      ttlMs,
    );
    await this.pipeline.call(() =>
      Promise.all([store.indexAdd(NS, createdBy, record.id, ttlMs), store.indexAdd(NS, ALL, record.id, ttlMs)]),
    );
    this.pipeline.emit({ type: 'invite.created', id: record.id, subject: createdBy, at: now });
    return { code: credential, invitation: this.toInvitation(record, now) };
  }

  /**
   * Checks a code without redeeming it (safe for GET/HEAD).
   *
   * @param code - the presented code
   * @returns `{ valid: true, invitation }` or `{ valid: false, code }`
   */
  async check(code: unknown): Promise<InvitationResult> {
    const resolved = this.pipeline.resolve(code);
    if (!resolved) return this.reject('MALFORMED');
    const record = await this.pipeline.call(() => this.pipeline.store.get<InvitationRecord>(NS, resolved.id));
    if (!record || !matchesAnyHash(record.hash, resolved.hashes)) return this.reject('NOT_FOUND', resolved.id);
    const now = this.pipeline.now();
    if (record.revokedAt !== null) return this.reject('REVOKED', resolved.id);
    if (now >= record.expiresAt) return this.reject('EXPIRED', resolved.id);
    if (record.uses >= record.maxUses) return this.reject('EXHAUSTED', resolved.id);
    return { valid: true, invitation: this.toInvitation(record, now) };
  }

  /**
   * Redeems a code for a user — one atomic store operation, so under N
   * concurrent redeemers of an invite with `maxUses: k` exactly `min(N, k)`
   * succeed, and one user never redeems the same invite twice.
   *
   * @param code - the presented code
   * @param who - the redeeming user's id and (for e-mail-bound invites) address
   * @returns `{ valid: true, invitation }` or `{ valid: false, code }`
   */
  async redeem(code: unknown, who: { userId: string; email?: string | undefined }): Promise<InvitationResult> {
    const userId = checkSubject(who?.userId, 'userId');
    const resolved = this.pipeline.resolve(code);
    if (!resolved) return this.reject('MALFORMED');
    const now = this.pipeline.now();
    const email = normalizeEmail(who.email);
    const request = {
      hashes: resolved.hashes,
      now,
      subject: userId,
      retainMs: this.retentionMs,
      ...(email === undefined ? {} : { email }),
    };
    const result = await this.pipeline.call(() =>
      this.pipeline.store.use<InvitationRecord>(NS, resolved.id, request),
    );
    if (!result.ok) return this.reject(result.reason as InvitationFailureCode, resolved.id);
    const record = result.record;
    this.pipeline.emit({ type: 'invite.redeemed', id: record.id, subject: userId, at: now });
    return { valid: true, invitation: this.toInvitation(record, now) };
  }

  /**
   * @param id - the invitation's public id
   * @returns the invitation, or null when unknown (or past retention)
   */
  async get(id: string): Promise<Invitation | null> {
    if (typeof id !== 'string') return null;
    const [record, preview] = await this.pipeline.call(() =>
      Promise.all([this.pipeline.store.get<InvitationRecord>(NS, id), this.preview(id)]),
    );
    return record ? this.toInvitation(record, this.pipeline.now(), preview) : null;
  }

  /**
   * Pages through everyone who redeemed an invitation — for invitations with
   * many uses, where `Invitation.usedBy` holds only a preview.
   *
   * @param id - the invitation's public id
   * @param page - `cursor` from the previous page (omit for the first), `limit` ≈ ids per page (default 100)
   * @returns the page's `userIds` (no particular order) and the next `cursor` (null when done)
   * @throws InvalidArgumentError for a `cursor` the store did not issue (not a `StoreUnavailableError`)
   * @example
   * ```ts
   * let cursor: string | undefined
   * do {
   *   const page = await invites.redeemers(id, { cursor })
   *   for (const userId of page.userIds) notify(userId)
   *   cursor = page.cursor ?? undefined
   * } while (cursor)
   * ```
   */
  async redeemers(id: string, page: { cursor?: string; limit?: number } = {}): Promise<{ userIds: string[]; cursor: string | null }> {
    if (typeof id !== 'string') return { userIds: [], cursor: null };
    if (page.limit !== undefined) checkPositiveInteger(page.limit, 'limit');
    if (page.cursor !== undefined && typeof page.cursor !== 'string') throw new InvalidArgumentError('cursor must be a string from a previous page');
    let result: UsedByPage;
    try {
      result = await this.pipeline.store.usedBy(NS, id, page);
    } catch (err) {
      // A cursor the store did not issue is the caller's mistake, not an outage: the store's
      // InvalidArgumentError goes through as is (by code: ESM and CJS copies of the class may both be loaded).
      if (isTokenkitError(err) && err.code === 'INVALID_ARGUMENT') throw err;
      throw toStoreUnavailable(err);
    }
    return { userIds: result.ids, cursor: result.cursor };
  }

  /**
   * @param filter - optional creator and status
   * @returns matching invitations, newest first
   */
  async list(filter: { createdBy?: string | undefined; status?: InvitationStatus | undefined } = {}): Promise<Invitation[]> {
    const subject = filter.createdBy === undefined ? ALL : checkSubject(filter.createdBy, 'createdBy');
    const all = await this.load(subject, true);
    return all
      .filter((inv) => filter.status === undefined || inv.status === filter.status)
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * Revokes an invitation at once; it stays readable for the retention period.
   *
   * @param id - the invitation's public id
   * @returns the revoked invitation, or null when unknown
   */
  async revoke(id: string): Promise<Invitation | null> {
    if (typeof id !== 'string') return null;
    const now = this.pipeline.now();
    const store = this.pipeline.store;
    const current = await this.pipeline.call(() => store.get<InvitationRecord>(NS, id));
    if (!current) return null;
    if (current.revokedAt !== null) return this.toInvitation(current, now);
    const record = await this.pipeline.call(() =>
      store.update<InvitationRecord>(NS, id, { revokedAt: now }, { ttlMs: this.retentionMs }),
    );
    if (!record) return null;
    this.pipeline.emit({ type: 'invite.revoked', id, subject: record.createdBy, at: now });
    return this.toInvitation(record, now);
  }

  /** @returns counts of invitations by status (those still within retention) */
  async stats(): Promise<InvitationStats> {
    const counts: InvitationStats = { active: 0, exhausted: 0, expired: 0, revoked: 0, total: 0 };
    for (const inv of await this.load(ALL, false)) {
      counts[inv.status]++;
      counts.total++;
    }
    return counts;
  }

  private async load(subject: string, withPreviews: boolean): Promise<Invitation[]> {
    const store = this.pipeline.store;
    const ids = await this.pipeline.call(() => store.indexMembers(NS, subject));
    const records = await this.pipeline.call(() => Promise.all(ids.map((id) => store.get<InvitationRecord>(NS, id))));
    const gone = ids.filter((_, i) => records[i] === null);
    if (gone.length > 0) await this.pipeline.call(() => store.indexRemove(NS, subject, gone));
    const live = records.filter((r): r is InvitationRecord => r !== null);
    // Only invitations that were redeemed have anyone to preview.
    const previews = withPreviews
      ? await this.pipeline.call(() => Promise.all(live.map((r) => (r.uses > 0 ? this.preview(r.id) : []))))
      : [];
    const now = this.pipeline.now();
    return live.map((r, i) => this.toInvitation(r, now, previews[i]));
  }

  /** @returns up to {@link USED_BY_PREVIEW} redeemers (a bounded read: pages until that many or the end) */
  private async preview(id: string): Promise<string[]> {
    const store = this.pipeline.store;
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.usedBy(NS, id, { limit: USED_BY_PREVIEW - ids.length, ...(cursor === undefined ? {} : { cursor }) });
      for (const userId of page.ids) if (ids.length < USED_BY_PREVIEW && !ids.includes(userId)) ids.push(userId);
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined && ids.length < USED_BY_PREVIEW);
    return ids;
  }

  private reject(code: InvitationFailureCode, id?: string): InvitationResult {
    this.pipeline.emit({ type: 'invite.rejected', code, at: this.pipeline.now(), ...(id ? { id } : {}) });
    return { valid: false, code };
  }

  private toInvitation(record: InvitationRecord, now: number, usedBy: readonly string[] = []): Invitation {
    const status: InvitationStatus =
      record.revokedAt !== null
        ? 'revoked'
        : record.uses >= record.maxUses
          ? 'exhausted'
          : now >= record.expiresAt
            ? 'expired'
            : 'active';
    return {
      id: record.id,
      createdBy: record.createdBy,
      role: record.role,
      maxUses: record.maxUses,
      uses: record.uses,
      usedBy: [...usedBy],
      email: record.email,
      meta: copyMeta(record.meta),
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      revokedAt: record.revokedAt,
      status,
    };
  }
}
