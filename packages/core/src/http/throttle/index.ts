import { hash } from 'node:crypto';
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
    const key = clientKey(client);
    let window: { count: number; resetMs: number };
    try {
      window = await this.store.hit(this.ns, key, this.windowMs, 1);
    } catch (err) {
      if (isStoreUnavailableError(err)) throw err;
      throw new StoreUnavailableError('throttle counter failed', { cause: err });
    }
    const resetMs = Math.max(1, window.resetMs);
    if (window.count >= this.limit) this.remember(key, this.now() + resetMs);
    return { count: window.count, retryAfterMs: window.count > this.limit ? resetMs : 0 };
  }

  private remember(key: string, until: number): void {
    if (this.blocked.size >= MAX_BLOCKED && !this.blocked.has(key)) {
      const now = this.now();
      for (const [k, t] of this.blocked) if (t <= now) this.blocked.delete(k);
      // Still full under a distributed attack: forget the oldest entry; the store still counts it.
      if (this.blocked.size >= MAX_BLOCKED) {
        const oldest = this.blocked.keys().next().value;
        if (oldest !== undefined) this.blocked.delete(oldest);
      }
    }
    this.blocked.set(key, until);
  }
}

/**
 * A bounded store key for a client: short values as they are (IPs), long
 * ones (a forged `X-Forwarded-For` behind `trust proxy: true`) hashed.
 */
function clientKey(client: string | undefined): string {
  if (client === undefined || client === '') return 'unknown';
  return client.length <= MAX_KEY_LENGTH ? client : `h:${hash('sha256', client, 'base64url')}`;
}
