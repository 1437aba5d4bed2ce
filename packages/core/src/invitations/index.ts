import { type Duration, parseDuration } from '../duration.js';
import { CredentialPipeline, type ManagerOptions } from '../pipeline/credential-pipeline.js';
import {
  checkDuration,
  checkMeta,
  checkPositiveInteger,
  checkSubject,
  copyMeta,
  type Meta,
  normalizeEmail,
} from '../pipeline/validate.js';
import { InvalidArgumentError } from '../errors.js';
import { matchesAnyHash } from '../hashing/match.js';
import type { StoredRecord } from '../store/types.js';

const NS = 'inv';
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
  uses: number;
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
  uses: number;
  usedBy: string[];
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

/** Result of {@link Invitations.check} and {@link Invitations.redeem}. */
export type InvitationResult =
  | { valid: true; invitation: Invitation; role: string }
  | { valid: false; code: InvitationFailureCode };

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
 * if (result.valid) grant(newUser, result.role)
 * ```
 */
export class Invitations {
  private readonly pipeline: CredentialPipeline;
  private readonly ttlMs: number;
  private readonly retentionMs: number;

  /** @param options - store, secret(s), prefix (default `'inv'`), ttl, retention, clock, events */
  constructor(options: InvitationsOptions) {
    this.pipeline = new CredentialPipeline(options, 'inv', 'Invitations');
    this.ttlMs = parseDuration(options.ttl ?? '7d', 'Invitations: ttl');
    this.retentionMs = parseDuration(options.retention ?? '7d', 'Invitations: retention');
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
        usedBy: [],
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
   * @returns the invitation and role, or `{ valid: false, code }`
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
    return { valid: true, invitation: this.toInvitation(record, now), role: record.role };
  }

  /**
   * Redeems a code for a user — one atomic store operation, so under N
   * concurrent redeemers of an invite with `maxUses: k` exactly `min(N, k)`
   * succeed, and one user never redeems the same invite twice.
   *
   * @param code - the presented code
   * @param who - the redeeming user's id and (for e-mail-bound invites) address
   * @returns the invitation and role, or `{ valid: false, code }`
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
    return { valid: true, invitation: this.toInvitation(record, now), role: record.role };
  }

  /**
   * @param id - the invitation's public id
   * @returns the invitation, or null when unknown (or past retention)
   */
  async get(id: string): Promise<Invitation | null> {
    if (typeof id !== 'string') return null;
    const record = await this.pipeline.call(() => this.pipeline.store.get<InvitationRecord>(NS, id));
    return record ? this.toInvitation(record, this.pipeline.now()) : null;
  }

  /**
   * @param filter - optional creator and status
   * @returns matching invitations, newest first
   */
  async list(filter: { createdBy?: string | undefined; status?: InvitationStatus | undefined } = {}): Promise<Invitation[]> {
    const subject = filter.createdBy === undefined ? ALL : checkSubject(filter.createdBy, 'createdBy');
    const all = await this.load(subject);
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
    for (const inv of await this.load(ALL)) {
      counts[inv.status]++;
      counts.total++;
    }
    return counts;
  }

  private async load(subject: string): Promise<Invitation[]> {
    const store = this.pipeline.store;
    const ids = await this.pipeline.call(() => store.indexMembers(NS, subject));
    const records = await this.pipeline.call(() => Promise.all(ids.map((id) => store.get<InvitationRecord>(NS, id))));
    const gone = ids.filter((_, i) => records[i] === null);
    if (gone.length > 0) await this.pipeline.call(() => store.indexRemove(NS, subject, gone));
    const now = this.pipeline.now();
    return records.filter((r): r is InvitationRecord => r !== null).map((r) => this.toInvitation(r, now));
  }

  private reject(code: InvitationFailureCode, id?: string): InvitationResult {
    this.pipeline.emit({ type: 'invite.rejected', code, at: this.pipeline.now(), ...(id ? { id } : {}) });
    return { valid: false, code };
  }

  private toInvitation(record: InvitationRecord, now: number): Invitation {
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
      usedBy: [...record.usedBy],
      email: record.email,
      meta: copyMeta(record.meta),
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      revokedAt: record.revokedAt,
      status,
    };
  }
}
