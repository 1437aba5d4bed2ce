import type { ApiKey, Invitation, InvitationStats } from '@tokenkit/core';
import { formatDuration, formatFields, formatTable, formatTime } from '../format.js';

/** Whether a key can still authenticate, judged from the record alone. */
export type ApiKeyStatus = 'active' | 'revoked' | 'expired' | 'exhausted';

/**
 * @param key - an API key
 * @param now - epoch ms
 * @returns its status, in the order verification checks them
 */
export function apiKeyStatus(key: ApiKey, now: number): ApiKeyStatus {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && now >= key.expiresAt) return 'expired';
  if (key.remaining === 0) return 'exhausted';
  return 'active';
}

const list = (items: readonly string[]) => (items.length > 0 ? items.join(', ') : '-');

/**
 * @param key - an API key
 * @param now - epoch ms
 * @returns its fields as aligned lines
 */
export function apiKeyDetails(key: ApiKey, now: number): string {
  return formatFields([
    ['id', key.id],
    ['start', key.start],
    ['owner', key.ownerId],
    ['name', key.name ?? '-'],
    ['scopes', list(key.scopes)],
    ['status', apiKeyStatus(key, now)],
    ['expires', formatTime(key.expiresAt)],
    ['remaining', key.remaining === null ? 'unlimited' : String(key.remaining)],
    ['rate limit', key.rateLimit ? `${key.rateLimit.limit} per ${formatDuration(key.rateLimit.windowMs)}` : 'none'],
    ['created', formatTime(key.createdAt)],
    ['last used', formatTime(key.lastUsedAt)],
    ...(key.revokedAt === null ? [] : [['revoked', formatTime(key.revokedAt)] as const]),
  ]);
}

/**
 * @param keys - API keys
 * @param now - epoch ms
 * @returns a table, one key per row
 */
export function apiKeyTable(keys: readonly ApiKey[], now: number): string {
  return formatTable(
    ['ID', 'START', 'NAME', 'SCOPES', 'STATUS', 'EXPIRES', 'LAST USED'],
    keys.map((k) => [
      k.id,
      k.start,
      k.name ?? '-',
      list(k.scopes),
      apiKeyStatus(k, now),
      formatTime(k.expiresAt),
      formatTime(k.lastUsedAt),
    ]),
  );
}

/**
 * @param inv - an invitation
 * @returns its fields as aligned lines
 */
export function invitationDetails(inv: Invitation): string {
  return formatFields([
    ['id', inv.id],
    ['role', inv.role],
    ['created by', inv.createdBy],
    ['status', inv.status],
    ['uses', `${inv.uses} of ${inv.maxUses}`],
    ['email', inv.email ?? 'any'],
    ['expires', formatTime(inv.expiresAt)],
    ['created', formatTime(inv.createdAt)],
    ['used by', list(inv.usedBy)],
    ...(inv.revokedAt === null ? [] : [['revoked', formatTime(inv.revokedAt)] as const]),
  ]);
}

/**
 * @param invites - invitations
 * @returns a table, one invitation per row
 */
export function invitationTable(invites: readonly Invitation[]): string {
  return formatTable(
    ['ID', 'ROLE', 'CREATED BY', 'STATUS', 'USES', 'EMAIL', 'EXPIRES'],
    invites.map((i) => [i.id, i.role, i.createdBy, i.status, `${i.uses}/${i.maxUses}`, i.email ?? 'any', formatTime(i.expiresAt)]),
  );
}

/**
 * @param stats - counts by status
 * @returns aligned lines
 */
export function statsDetails(stats: InvitationStats): string {
  return formatFields([
    ['active', String(stats.active)],
    ['exhausted', String(stats.exhausted)],
    ['expired', String(stats.expired)],
    ['revoked', String(stats.revoked)],
    ['total', String(stats.total)],
  ]);
}
