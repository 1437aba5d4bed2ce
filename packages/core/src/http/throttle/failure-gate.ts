import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from '../../store/types.js';
import { clientKey, type ThrottleOptions, WindowThrottle } from './index.js';

/**
 * How {@link FailureGate.admit} lets a verification run:
 * - `'free'`: no store call; count a failure afterwards with {@link FailureGate.failed};
 * - `'reserve'`: first take a slot with {@link FailureGate.reserve};
 * - a number > 0: the client is known to be blocked for that many ms (answer 429).
 */
export type GateDecision = 'free' | 'reserve' | number;

/**
 * Verifications of one client that may run unreserved at the same time in
 * one process. It is the slack of the bound: per window at most `limit`
 * reserved failures plus this many unreserved ones per process get verified.
 */
export const FREE_IN_FLIGHT = 2;

const MAX_SUSPECTS = 10_000;

/**
 * How long a client without failures waits, attempt by attempt, when its
 * window is full of its own requests in flight (about 0.25 s in all), before
 * it is answered 429 after all.
 */
export const CLEAN_RETRY_DELAYS_MS: readonly number[] = Object.freeze([2, 4, 8, 16, 32, 64, 128]);

/**
 * Caps failed verifications (of API keys, or any other guessable secret) per
 * client and window, on any store and under any concurrency.
 *
 * Counting failures only after verifying lets a burst through: 1000 parallel
 * bad keys all pass the "is it blocked?" check before the first failure is
 * counted. Counting every attempt before verifying closes that, but costs a
 * store call on every valid request and blocks clients that merely send many
 * requests at once. The gate combines the two:
 *
 * - A client with no failure in the current window (as far as this process
 *   knows) verifies for free, at most {@link FREE_IN_FLIGHT} at a time; its
 *   failures are counted afterwards and make it a suspect for the rest of
 *   the window. Valid traffic therefore costs no throttle store call.
 * - A suspect, or a client with more requests in flight, first reserves a
 *   slot with the store's atomic `hit` (a suspect over the limit → 429
 *   without verifying; see {@link FailureGate.acquire} for the others); a
 *   success gives the slot back ({@link WindowThrottle.refund}), a failure
 *   keeps it.
 *
 * So per window at most `limit` + {@link FREE_IN_FLIGHT} failed verifications
 * per process reach the verifier, whatever the store and the burst size.
 */
export class FailureGate {
  /** The shared per-client counter. */
  readonly counter: WindowThrottle;
  /** Client key → when its suspicion ends (epoch ms): it failed in the current window. */
  private readonly suspects = new Map<string, number>();
  /** Client key → unreserved verifications in flight. */
  private readonly inFlight = new Map<string, number>();

  /**
   * @param store - where the counters live (shared across processes on Redis)
   * @param ns - store namespace of the counters
   * @param options - `limit` failures per `window`
   * @param now - clock (epoch ms)
   * @throws ConfigError on a non-positive limit or window
   */
  constructor(
    store: Store,
    ns: string,
    options: ThrottleOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.counter = new WindowThrottle(store, ns, options, now);
  }

  /**
   * True while nothing is known about any client: every verification may run
   * free and the caller need not even read the client IP (Express's `req.ip`
   * getter is not free). Read it, and call {@link admit}, otherwise.
   */
  get quiet(): boolean {
    return this.suspects.size === 0 && this.inFlight.size === 0 && !this.counter.anyBlocked;
  }

  /**
   * Decides, synchronously and without the store, how a verification for
   * `client` may run.
   *
   * @param client - client key (usually the IP)
   * @returns see {@link GateDecision}
   */
  admit(client: string | undefined): GateDecision {
    const blocked = this.counter.blockedMs(client);
    if (blocked > 0) return blocked;
    const key = clientKey(client);
    if ((this.inFlight.get(key) ?? 0) >= FREE_IN_FLIGHT) return 'reserve';
    return this.isSuspect(key) ? 'reserve' : 'free';
  }

  private isSuspect(key: string): boolean {
    if (this.suspects.size === 0) return false;
    const until = this.suspects.get(key);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.suspects.delete(key);
    return false;
  }

  /**
   * Takes a slot before verifying. A suspect over the limit is blocked (429).
   * A client without failures whose window is full holds no guesses there,
   * only its own requests in flight: it gives the slot back and waits a
   * little instead ({@link CLEAN_RETRY_DELAYS_MS}), then runs free as soon as
   * one of its verifications finished, so many parallel valid requests are
   * slowed down rather than refused. No path verifies without a slot or a
   * free place.
   *
   * @param client - client key (usually the IP)
   * @returns `'reserved'` (settle a success with {@link refund}), `'begun'`
   *   (a free place, already taken with {@link begin}: call {@link end}, then
   *   count a failure with {@link failed}), or ms until the client may retry
   * @throws StoreUnavailableError when the store cannot count (fail closed)
   */
  async acquire(client: string | undefined): Promise<'reserved' | 'begun' | number> {
    const key = clientKey(client);
    for (let attempt = 0; ; attempt++) {
      const { count, resetMs } = await this.counter.count(client);
      if (count <= this.counter.limit) return 'reserved';
      if (this.isSuspect(key) || attempt >= CLEAN_RETRY_DELAYS_MS.length) {
        if (this.isSuspect(key)) this.counter.block(client, resetMs);
        return resetMs;
      }
      await this.counter.refund(client);
      await sleep(CLEAN_RETRY_DELAYS_MS[attempt]);
      const decision = this.admit(client);
      if (typeof decision === 'number') return decision;
      if (decision === 'free') {
        // Taken in the same step as the check: waiters woken by one timer must not all see the same free place.
        this.begin(client);
        return 'begun';
      }
    }
  }

  /**
   * Runs one verification under the gate: admits it (free or with a
   * reserved slot), runs it, and settles — a failure is counted (or keeps
   * its slot), a success gives its slot back.
   *
   * @param client - client key (usually the IP)
   * @param verify - the verification (e.g. `() => invites.check(code)`)
   * @param isFailure - whether a result counts as a failed guess
   * @returns `{ result }`, or `{ retryAfterMs }` when the client is over the limit (answer 429)
   * @throws StoreUnavailableError when the store cannot count; whatever `verify` throws
   * @example
   * ```ts
   * const outcome = await gate.run(request.ip, () => invites.check(code), (r) => !r.valid && r.code === 'NOT_FOUND')
   * if ('retryAfterMs' in outcome) return tooMany(outcome.retryAfterMs)
   * ```
   */
  async run<R>(
    client: string | undefined,
    verify: () => R | Promise<R>,
    isFailure: (result: R) => boolean,
  ): Promise<{ result: R } | { retryAfterMs: number }> {
    const decision = this.admit(client);
    if (typeof decision === 'number') return { retryAfterMs: decision };
    let slot: 'reserved' | 'begun';
    if (decision === 'free') {
      this.begin(client);
      slot = 'begun';
    } else {
      const acquired = await this.acquire(client);
      if (typeof acquired === 'number') return { retryAfterMs: acquired };
      slot = acquired;
    }
    let result: R;
    try {
      result = await verify();
    } finally {
      // A thrown verification (store down) keeps a reserved slot: stricter, never looser.
      if (slot === 'begun') this.end(client);
    }
    if (!isFailure(result)) {
      if (slot === 'reserved') this.refund(client);
      return { result };
    }
    if (slot === 'begun') {
      const retryAfterMs = await this.failed(client);
      if (retryAfterMs > 0) return { retryAfterMs };
    }
    return { result };
  }

  /**
   * Gives a reserved slot back after a successful verification. Runs off the
   * response path: a failed refund only leaves the slot counted (stricter,
   * never looser), and a store that is down answers the next reservation.
   *
   * @param client - client key (usually the IP)
   */
  refund(client: string | undefined): void {
    this.counter.refund(client).catch(ignore);
  }

  /**
   * Marks a free verification as running (call when it went asynchronous), so
   * concurrent requests of the same client see it.
   *
   * @param client - client key (usually the IP)
   */
  begin(client: string | undefined): void {
    const key = clientKey(client);
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
  }

  /**
   * Ends what {@link begin} started.
   *
   * @param client - client key (usually the IP)
   */
  end(client: string | undefined): void {
    const key = clientKey(client);
    const left = (this.inFlight.get(key) ?? 1) - 1;
    if (left > 0) this.inFlight.set(key, left);
    else this.inFlight.delete(key);
  }

  /**
   * Counts the failure of a free verification and makes the client a suspect
   * for the rest of the window.
   *
   * @param client - client key (usually the IP)
   * @returns ms until the window resets when this failure is over the limit, else 0
   * @throws StoreUnavailableError when the store cannot count (fail closed)
   */
  async failed(client: string | undefined): Promise<number> {
    // Before the store answers, so the client's next request (even in the same burst) already reserves.
    // One window from now at most: the store's window may end sooner, then the client merely reserves a little longer.
    this.suspect(clientKey(client), this.counter.windowMs);
    const { count, resetMs } = await this.counter.count(client);
    // Blocked only once over the limit: at exactly `limit` the count may still include valid requests in flight.
    if (count > this.counter.limit) {
      this.counter.block(client, resetMs);
      return resetMs;
    }
    return 0;
  }

  private suspect(key: string, forMs: number): void {
    const now = this.now();
    if (this.suspects.size >= MAX_SUSPECTS && !this.suspects.has(key)) {
      for (const [k, until] of this.suspects) if (until <= now) this.suspects.delete(k);
      // Still full under a distributed attack: forget the oldest; it gets at most FREE_IN_FLIGHT more free tries.
      if (this.suspects.size >= MAX_SUSPECTS) {
        const oldest = this.suspects.keys().next().value;
        if (oldest !== undefined) this.suspects.delete(oldest);
      }
    }
    this.suspects.set(key, now + forMs);
  }
}

function ignore(): void {}
