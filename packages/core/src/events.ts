import { createHmac, randomBytes } from 'node:crypto';
import diagnosticsChannel from 'node:diagnostics_channel';

/** Every event type a manager emits. */
export type TokenkitEventType =
  | 'apikey.verified'
  | 'apikey.rejected'
  | 'apikey.created'
  | 'apikey.revoked'
  | 'reset.issued'
  | 'reset.consumed'
  | 'reset.rejected'
  | 'invite.created'
  | 'invite.redeemed'
  | 'invite.rejected'
  | 'invite.revoked'
  | 'store.unavailable'
  | 'throttle.blocked';

/**
 * What happened, to which record. Carries public ids only — never a credential,
 * a secret or a hash.
 */
export interface TokenkitEvent {
  type: TokenkitEventType;
  /** The credential's public id, when known. */
  id?: string;
  /** Owner / user / creator id the record belongs to, when known. */
  subject?: string;
  /**
   * The rejection code for `*.rejected` events; for `store.unavailable`, the
   * underlying error's code (`ECONNREFUSED`, `ETIMEDOUT`…, else `STORE_UNAVAILABLE`).
   */
  code?: string;
  /**
   * What was being done: for `store.unavailable` the flow step whose store
   * call failed (`apikey.verify`, `throttle.hit`, `reset.request`…); for
   * `throttle.blocked` the throttle (`apikey-ip`, `reset-ip`, `invite-ip`).
   */
  operation?: string;
  /**
   * `throttle.blocked`: the blocked client as a keyed hash (HMAC of the IP
   * under the manager's secret, 16 base64url characters) — stable across
   * processes sharing the secret, never the raw address.
   */
  client?: string;
  /** Epoch milliseconds. */
  at: number;
}

/** Name of the `node:diagnostics_channel` channel every event is published on. */
export const EVENT_CHANNEL = 'tokenkit:event';

const channel = diagnosticsChannel.channel(EVENT_CHANNEL);

/**
 * @returns true while something subscribes to the `tokenkit:event` diagnostics channel
 */
export function eventChannelObserved(): boolean {
  return channel.hasSubscribers;
}

/** Callback that receives events; exceptions it throws are swallowed. */
export type EventListener = (event: TokenkitEvent) => void;

/**
 * Builds the emitter managers use: calls `onEvent` and publishes on the
 * diagnostics channel. A throwing listener never breaks a verification.
 *
 * @param onEvent - the user's listener, if any
 * @returns a function that emits one event
 */
export function createEmitter(onEvent: EventListener | undefined): (event: TokenkitEvent) => void {
  return (event) => {
    if (onEvent) {
      try {
        onEvent(event);
      } catch {
        // An observer must never change the outcome of a security decision.
      }
    }
    if (channel.hasSubscribers) channel.publish(event);
  };
}

/**
 * How an HTTP flow reports through the manager it was given: the manager's
 * own emitter (its `onEvent` plus the diagnostics channel) and keyed hash.
 */
export interface EventSink {
  /** Emits one event. */
  emit(event: TokenkitEvent): void;
  /** True when an event would reach anyone. */
  readonly observed: boolean;
  /** A keyed hash of a client key (an IP), safe to log. */
  clientHash(client: string): string;
}

const sinks = new WeakMap<object, EventSink>();

/**
 * Registers a manager's sink, so flows built on that manager emit through
 * its `onEvent`.
 *
 * @param owner - the manager
 * @param sink - its emitter
 */
export function registerEventSink(owner: object, sink: EventSink): void {
  sinks.set(owner, sink);
}

let fallbackSink: EventSink | undefined;

/**
 * The sink of a manager; for anything else (a test double) one that only
 * publishes on the diagnostics channel and hashes with a per-process key.
 *
 * @param owner - the manager a flow was given
 * @returns its sink
 */
export function eventSinkOf(owner: unknown): EventSink {
  const sink = typeof owner === 'object' && owner !== null ? sinks.get(owner) : undefined;
  if (sink) return sink;
  fallbackSink ??= {
    emit: createEmitter(undefined),
    get observed() {
      return channel.hasSubscribers;
    },
    clientHash: clientHasher(undefined),
  };
  return fallbackSink;
}

let processKey: Buffer | undefined;

/**
 * A keyed hash for client keys (IPs) in events: HMAC-SHA256 under a key
 * derived from `secret`, or under a random per-process key without one.
 *
 * @param secret - the manager's signing secret, if any
 * @returns the hash function (16 base64url characters)
 */
export function clientHasher(secret: string | undefined): (client: string) => string {
  processKey ??= randomBytes(32);
  const key = secret === undefined ? processKey : createHmac('sha256', secret).update('tokenkit/client-hash').digest();
  return (client) => createHmac('sha256', key).update(client).digest('base64url').slice(0, 16);
}

/**
 * The error code a `store.unavailable` event carries: the underlying cause's
 * (`ECONNREFUSED`, `ETIMEDOUT`…) when it has one, else the error's own.
 *
 * @param err - a store failure
 * @returns a short code, never a message (messages may carry hostnames)
 */
export function storeErrorCode(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const cause: unknown = (current as { cause?: unknown }).cause;
    if (typeof cause !== 'object' || cause === null) break;
    current = cause;
  }
  const code = typeof current === 'object' && current !== null ? (current as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && code !== '') return code;
  const own = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof own === 'string' && own !== '' ? own : 'STORE_UNAVAILABLE';
}

/** Name of the `diagnostics_channel.tracingChannel` around API-key verification. */
export const VERIFY_TRACING_CHANNEL = 'tokenkit:verify';

/**
 * The context object published on every `tokenkit:verify` sub-channel
 * (`start`, `end`, `asyncStart`, `asyncEnd`, `error`), the same object from
 * start to end, so a subscriber can keep its span on it.
 */
export interface VerifyTraceContext {
  /** The scopes the route requires. */
  scopes: readonly string[];
  /** Set when verification finished: valid, or the rejection code. Never carries the key. */
  result?: { valid: true; id: string; ownerId: string } | { valid: false; code: string };
  /** Set when verification threw (a store outage, a bug). */
  error?: unknown;
  /** False when the answer came in the same tick: then `end` closes the span; else `asyncEnd` does. */
  async: boolean;
}

/** The `tokenkit:verify` tracing channel; core publishes only while it has subscribers. */
export const verifyTracing = diagnosticsChannel.tracingChannel<string, VerifyTraceContext>(VERIFY_TRACING_CHANNEL);

/**
 * A `TokenkitWarning` code (`TOKENKIT_NO_SECRET`, `TOKENKIT_UNUSABLE_USER`,
 * `TOKENKIT_REDIS_OFFLINE_QUEUE`…).
 */
export type WarningCode = `TOKENKIT_${string}`;

/**
 * The `validate` option (like express-rate-limit's): `false` silences every
 * `TokenkitWarning` of that object, `{ TOKENKIT_NO_SECRET: false }` one of
 * them; `true` / undefined keeps them all.
 */
export type ValidateOption = boolean | Readonly<Partial<Record<WarningCode, boolean>>>;

/**
 * @param validate - the option
 * @param code - the warning
 * @returns whether the warning may be emitted
 */
export function warningEnabled(validate: ValidateOption | undefined, code: WarningCode): boolean {
  if (validate === undefined || validate === true) return true;
  if (validate === false) return false;
  return validate[code] !== false;
}
