import type { EventSink } from '../../events.js';
import { rateLimitHeaders } from '../rate-limit-headers/index.js';
import { problem, retryAfter } from '../response/index.js';
import type { HttpResponse } from '../types.js';

/** What a per-IP throttle's 429 says: see {@link blockedResponse}. */
export interface BlockedResponseOptions {
  /** Where `throttle.blocked` goes (emitted only while someone listens). */
  events: EventSink;
  /** The throttle's policy name: the event's `operation` and the `RateLimit` headers' policy. */
  policy: string;
  /** The blocked client (usually the IP); only its keyed hash reaches the event. */
  client: string | undefined;
  retryAfterMs: number;
  /** The throttle's quota for `RateLimit-Policy` / `RateLimit`, or undefined to send neither (`standardHeaders: false`). */
  quota: { readonly limit: number; readonly windowMs: number } | undefined;
  code: string;
  detail: string;
  /** Headers the flow sends on every answer (e.g. no-store for token routes). */
  headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * The 429 of a per-IP throttle, the same for the API-key guard, the reset
 * routes and the invitation routes: emits `throttle.blocked`, then answers
 * problem+json with `Retry-After` and, with a quota, `RateLimit-Policy` /
 * `RateLimit` (nothing left until the window resets).
 *
 * @param options - see {@link BlockedResponseOptions}
 * @returns the 429 response
 * @example
 * ```ts
 * return blockedResponse({ events, policy: 'reset-ip', client: request.ip, retryAfterMs,
 *   quota: throttle, code: 'TOO_MANY_REQUESTS', detail: 'Too many reset requests from this address.' })
 * ```
 */
export function blockedResponse(options: BlockedResponseOptions): HttpResponse {
  const { events, policy, client, retryAfterMs, quota } = options;
  if (events.observed) events.emit({ type: 'throttle.blocked', operation: policy, client: events.clientHash(client ?? 'unknown'), at: Date.now() });
  const headers: Record<string, string> = { ...options.headers, 'retry-after': retryAfter(retryAfterMs) };
  if (quota) Object.assign(headers, rateLimitHeaders(policy, quota.limit, quota.windowMs, 0, retryAfterMs));
  return problem({ status: 429, code: options.code, detail: options.detail, headers });
}
