import { hash } from 'node:crypto';
import { setBounded } from '../../bounded-map.js';
import { type Duration, parseDuration } from '../../duration.js';
import { ConfigError, StoreUnavailableError, isStoreUnavailableError } from '../../errors.js';
import type { Store } from '../../store/types.js';

/** A limit of `limit` events per fixed `window`. */
export interface ThrottleOptions {
  limit: number;
  window: Duration;
}

/** Result of {@link WindowThrottle.hit}. */
export interface ThrottleHit {
  /** Events in the current window, this one included. */
  count: number;
  /** > 0 when this event is over the limit: milliseconds until the window resets. */
  retryAfterMs: number;
}

const MAX_BLOCKED = 10_000;
const MAX_KEY_LENGTH = 64;

/**
 * Giving a counted event back without a negative `hit` cost (stores need not
 * support one; RedisStore refuses it): a refund adds `REFUND_MODULUS - 1`,
 * which is −1 modulo `REFUND_MODULUS`, so the live count is the counter's
 * signed residue. Each operation stays ONE atomic `hit`. 2^24 keeps the raw
 * counter a safe integer for 2^29 refunds per window and the live count exact
 * within ±2^23.
 */
const REFUND_MODULUS = 2 ** 24;

/**
 * A per-client limit on events (failed API-key verifications, reset
 * requests) counted with the store's fixed-window `hit()`, so every process
 * sharing a Redis store shares the counts.
 *
 * Blocked clients are also remembered in a small in-process map until their
 * window resets, so a client already over the limit is answered 429 without
 * any store call — the success path never pays a store read for throttling.
 * The trade-off: another process learns about a block only at that client's
 * next event there (its own `hit()` then reports the count), so across N
 * processes a client can get at most one extra attempt per process per window.
 *
 * @example
 * ```ts
 * const throttle = new WindowThrottle(store, 'throttle:apikey-ip', { limit: 20, window: '1m' })
 * if (throttle.blockedMs(ip) > 0) return tooMany()
 * const { retryAfterMs } = await throttle.hit(ip) // after a failure
 * ```
 */
export class WindowThrottle {
  /** Events allowed per window. */
  readonly limit: number;
  /** Window length in ms. */
  readonly windowMs: number;
  private readonly blocked = new Map<string, number>();

  /**
   * @param store - where the counters live (shared across processes on Redis)
   * @param ns - store namespace of the counters, e.g. `throttle:apikey-ip`
   * @param options - `limit` events per `window`
   * @param now - clock (epoch ms)
   * @throws ConfigError on a non-positive limit or window
   */
  constructor(
    private readonly store: Store,
    private readonly ns: string,
    options: ThrottleOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isSafeInteger(options?.limit) || options.limit < 1) {
      throw new ConfigError(`${ns}: throttle.limit must be a positive integer, e.g. { limit: 20, window: '1m' }`);
    }
    this.limit = options.limit;
    this.windowMs = parseDuration(options.window, 'throttle.window');
    if (this.windowMs < 1) throw new ConfigError(`${ns}: throttle.window must be at least 1ms`);
  }

  /** True while some client is blocked; lets callers skip reading the client IP (Express's `req.ip` getter is not free). */
  get anyBlocked(): boolean {
    return this.blocked.size > 0;
  }

  /**
   * Synchronous, store-free check of the in-process block list.
   *
   * @param client - client key (usually the IP)
   * @returns milliseconds until the client may try again, 0 when not known to be blocked
   */
  blockedMs(client: string | undefined): number {
    if (this.blocked.size === 0) return 0;
    const key = clientKey(client);
    const until = this.blocked.get(key);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left > 0) return left;
    this.blocked.delete(key);
    return 0;
  }

  /**
   * Counts one event for a client. Once the window holds `limit` events the
   * client is remembered as blocked until the window resets.
   *
   * @param client - client key (usually the IP)
   * @returns the count, and `retryAfterMs > 0` when this event is over the limit
   * @throws StoreUnavailableError when the store cannot count (fail closed)
   */
  async hit(client: string | undefined): Promise<ThrottleHit> {
    const { count, resetMs } = await this.count(client);
    if (count >= this.limit) this.block(client, resetMs);
    return { count, retryAfterMs: count > this.limit ? resetMs : 0 };
  }

  /**
   * Counts one event for a client without deciding anything: the caller
   * interprets the count (and may {@link block} or {@link refund}).
   *
   * @param client - client key (usually the IP)
   * @returns events in the window, this one included, and ms until it resets (≥ 1)
   * @throws StoreUnavailableError when the store cannot count (fail closed)
   */
  async count(client: string | undefined): Promise<{ count: number; resetMs: number }> {
    let window: { count: number; resetMs: number };
    try {
      window = await this.store.hit(this.ns, clientKey(client), this.windowMs, 1);
    } catch (err) {
      if (isStoreUnavailableError(err)) throw err;
      throw new StoreUnavailableError('throttle counter failed', { cause: err });
    }
    return { count: liveCount(window.count), resetMs: Math.max(1, window.resetMs) };
  }

  /**
   * Remembers a client as blocked in this process, so {@link blockedMs}
   * answers without the store.
   *
   * @param client - client key (usually the IP)
   * @param forMs - how long (until its window resets)
   */
  block(client: string | undefined, forMs: number): void {
    this.remember(clientKey(client), this.now() + forMs);
  }

  /**
   * Gives one event back (e.g. a reserved verification that succeeded), in
   * one atomic store operation. A refund that lands after the window reset
   * leaves the new window one event short: at most one extra event per
   * refund in flight at the reset.
   *
   * @param client - client key (usually the IP)
   * @throws StoreUnavailableError when the store cannot count
   */
  async refund(client: string | undefined): Promise<void> {
    try {
      await this.store.hit(this.ns, clientKey(client), this.windowMs, REFUND_MODULUS - 1);
    } catch (err) {
      if (isStoreUnavailableError(err)) throw err;
      throw new StoreUnavailableError('throttle counter failed', { cause: err });
    }
  }

  private remember(key: string, until: number): void {
    const now = this.now();
    // Full under a distributed attack: the oldest entry goes; the store still counts it.
    setBounded(this.blocked, MAX_BLOCKED, key, until, (t) => t <= now);
  }
}

/** The live count of a raw counter that refunds may have raised (see {@link REFUND_MODULUS}). */
function liveCount(raw: number): number {
  const residue = raw % REFUND_MODULUS;
  return residue >= REFUND_MODULUS / 2 ? residue - REFUND_MODULUS : residue;
}

/**
 * A bounded store key for a client: short values as they are (IPs), long
 * ones (a forged `X-Forwarded-For` behind `trust proxy: true`) hashed.
 */
export function clientKey(client: string | undefined): string {
  if (client === undefined || client === '') return 'unknown';
  return client.length <= MAX_KEY_LENGTH ? client : `h:${hash('sha256', client, 'base64url')}`;
}
