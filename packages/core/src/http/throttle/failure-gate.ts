import { setBounded } from '../../bounded-map.js';
import type { Store } from '../../store/types.js';
import { clientKey, type ThrottleOptions, WindowThrottle } from './index.js';

/**
 * How {@link FailureGate.admit} lets a verification run:
 * - `'free'`: no store call; count a failure afterwards with {@link FailureGate.failed};
 * - `'reserve'`: go through {@link FailureGate.acquire} first (a suspect reserves a
 *   slot in the store; a client without failures waits in this process for a place);
 * - a number > 0: the client is known to be blocked for that many ms (answer 429).
 */
export type GateDecision = 'free' | 'reserve' | number;

/**
 * How a verification begun with {@link FailureGate.begin} (or admitted as
 * `'begun'`) ended, for {@link FailureGate.end}:
 * - `'proven'`: the secret matched (valid, or refused only by its own rules);
 * - `'failed'`: a guess that failed (the caller counts it with {@link FailureGate.failed} next);
 * - `'none'`: neither (it threw, e.g. the store is down).
 */
export type GateOutcome = 'proven' | 'failed' | 'none';

/**
 * Verifications of one client that may run unreserved at the same time in
 * one process before it proved a valid secret in this window. It is the
 * slack of the bound: per window at most `limit` reserved failures plus
 * this many unreserved ones per process get verified.
 */
export const FREE_IN_FLIGHT = 2;

/**
 * The most unreserved verifications in flight for a client that proved a
 * valid secret in this process in the current window (a backend with many
 * parallel requests). Its cap starts at {@link FREE_IN_FLIGHT} and each
 * success raises it by one up to this (a failure sets it back), so such a
 * client's bound is `limit` + this many per process and window.
 */
export const PROVEN_IN_FLIGHT = 64;

/** Requests of one client that may wait in this process for a place; more are answered 429 at once. */
export const MAX_WAITING_PER_CLIENT = 1000;

/** Requests of all clients that may wait in this process at the same time (memory bound). */
const MAX_WAITING = 10_000;

/** Retry-After of a request refused because too many of its client's requests were already waiting. */
const BUSY_RETRY_MS = 1000;

const MAX_SUSPECTS = 10_000;
const MAX_PROVEN = 10_000;

/** What a waiting request is told: run free (its place is taken), reserve (its client became a suspect), or 429 after that many ms. */
type Wake = 'begun' | 'suspect' | number;

/** A client's waiting requests, first in first out. */
interface Queue {
  readonly wakers: Array<(wake: Wake) => void>;
  head: number;
}

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
 *   knows) verifies for free — no store call — at most
 *   {@link FREE_IN_FLIGHT} at a time; each of its successes in this window
 *   raises that cap by one, up to {@link PROVEN_IN_FLIGHT} (so a valid
 *   high-concurrency client is not serialised). Its further requests wait in
 *   this process, first in first out, and run as its verifications in flight
 *   settle (no store call, no timer). Its failures are counted afterwards and
 *   make it a suspect for the rest of the window. Valid traffic therefore
 *   costs no throttle store call, whatever its concurrency and the store.
 * - A suspect first reserves a slot with the store's atomic `hit` (over the
 *   limit → 429 without verifying); a success gives the slot back
 *   ({@link WindowThrottle.refund}), a failure keeps it. When a client
 *   becomes a suspect, its waiting requests take this path; when it is
 *   blocked, they are answered 429 without verifying.
 *
 * So per window and process at most `limit` + {@link FREE_IN_FLIGHT} failed
 * verifications of a client reach the verifier, or `limit` + its raised cap
 * (at most {@link PROVEN_IN_FLIGHT}) for a client that proved a valid secret
 * in this window, whatever the store and the burst size. On a store that
 * answers in the same tick (MemoryStore) no verification is ever in flight,
 * so nothing waits. Memory is bounded: at most
 * {@link MAX_WAITING_PER_CLIENT} waiting requests per client (more are
 * answered 429 with a short Retry-After) and 10 000 in all, 10 000 suspects
 * and 10 000 proven clients remembered.
 */
export class FailureGate {
  /** The shared per-client counter. */
  readonly counter: WindowThrottle;
  /** Client key → when its suspicion ends (epoch ms): it failed in the current window. */
  private readonly suspects = new Map<string, number>();
  /** Client key → its proof: verifications of it succeeded in the current window. */
  private readonly proven = new Map<string, Proof>();
  /** Client key → unreserved verifications in flight. */
  private readonly inFlight = new Map<string, number>();
  /** Client key → its requests waiting for a place. */
  private readonly waiting = new Map<string, Queue>();
  private waitingTotal = 0;

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
    if (this.isSuspect(key)) return 'reserve';
    const running = this.inFlight.get(key) ?? 0;
    return running < FREE_IN_FLIGHT || running < this.cap(key) ? 'free' : 'reserve';
  }

  private isSuspect(key: string): boolean {
    if (this.suspects.size === 0) return false;
    const until = this.suspects.get(key);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.suspects.delete(key);
    return false;
  }

  /** Unreserved verifications the client may have in flight. */
  private cap(key: string): number {
    if (this.proven.size === 0) return FREE_IN_FLIGHT;
    const proof = this.proven.get(key);
    if (proof === undefined) return FREE_IN_FLIGHT;
    if (proof.until > this.now()) return proof.cap;
    this.proven.delete(key);
    return FREE_IN_FLIGHT;
  }

  /**
   * Lets a verification run that {@link admit} did not let run free. A
   * suspect takes a slot in the store first (over the limit → blocked, 429).
   * A client without failures makes no store call: it waits in this process
   * until one of its verifications in flight settles, then runs free with its
   * place already taken; if the client becomes a suspect meanwhile, it
   * reserves instead, and if it gets blocked, it is answered 429 without
   * verifying. No path verifies without a slot or a free place.
   *
   * @param client - client key (usually the IP)
   * @returns `'reserved'` (settle a success with {@link refund}), `'begun'`
   *   (a free place, already taken with {@link begin}: call {@link end}, then
   *   count a failure with {@link failed}), or ms until the client may retry
   * @throws StoreUnavailableError when the store cannot count (fail closed)
   */
  async acquire(client: string | undefined): Promise<'reserved' | 'begun' | number> {
    const key = clientKey(client);
    const blocked = this.counter.blockedMs(key);
    if (blocked > 0) return blocked;
    if (!this.isSuspect(key)) {
      const wake = await this.wait(key);
      if (wake !== 'suspect') return wake;
    }
    const { count, resetMs } = await this.counter.count(key);
    if (count <= this.counter.limit) return 'reserved';
    this.counter.block(key, resetMs);
    return resetMs;
  }

  /** Takes a free place for a client without failures, now or once one is released. */
  private wait(key: string): Wake | Promise<Wake> {
    if ((this.inFlight.get(key) ?? 0) < this.cap(key)) {
      this.begin(key);
      return 'begun';
    }
    let queue = this.waiting.get(key);
    if ((queue !== undefined && queue.wakers.length - queue.head >= MAX_WAITING_PER_CLIENT) || this.waitingTotal >= MAX_WAITING) {
      return BUSY_RETRY_MS;
    }
    if (queue === undefined) {
      queue = { wakers: [], head: 0 };
      this.waiting.set(key, queue);
    }
    const wakers = queue.wakers;
    this.waitingTotal++;
    return new Promise<Wake>((resolve) => wakers.push(resolve));
  }

  /** Wakes a client's waiting requests after one of its verifications settled (or it became a suspect). */
  private release(key: string): void {
    const queue = this.waiting.get(key);
    if (queue === undefined) return;
    const blocked = this.counter.blockedMs(key);
    const all: Wake | undefined = blocked > 0 ? blocked : this.isSuspect(key) ? 'suspect' : undefined;
    const cap = all === undefined ? this.cap(key) : 0;
    const { wakers } = queue;
    while (queue.head < wakers.length) {
      if (all === undefined && (this.inFlight.get(key) ?? 0) >= cap) break;
      const wake = wakers[queue.head] as (wake: Wake) => void;
      wakers[queue.head++] = noop;
      this.waitingTotal--;
      if (all === undefined) {
        // Taken in the same step as the check: waiters woken together must not all see the same free place.
        this.begin(key);
        wake('begun');
      } else {
        wake(all);
      }
    }
    if (queue.head === wakers.length) this.waiting.delete(key);
    else if (queue.head > 1024 && queue.head * 2 > wakers.length) {
      wakers.splice(0, queue.head);
      queue.head = 0;
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
    } catch (err) {
      // A thrown verification (store down) keeps a reserved slot: stricter, never looser.
      if (slot === 'begun') this.end(client, 'none');
      throw err;
    }
    const failure = isFailure(result);
    if (slot === 'begun') this.end(client, failure ? 'failed' : 'proven');
    if (!failure) {
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
   * Gives a reserved slot back after a verification whose secret matched
   * (not a guess), and counts it as the client's proof of a valid secret.
   * Runs off the response path: a failed refund only leaves the slot counted
   * (stricter, never looser), and a store that is down answers the next
   * reservation.
   *
   * @param client - client key (usually the IP)
   */
  refund(client: string | undefined): void {
    this.prove(clientKey(client));
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
   * Ends what {@link begin} started and lets the client's next waiting
   * requests run. Say how it ended: a success raises the client's cap to
   * {@link PROVEN_IN_FLIGHT}; a failure makes it a suspect at once, before
   * any waiting request could run free (count it with {@link failed} next).
   *
   * @param client - client key (usually the IP)
   * @param outcome - see {@link GateOutcome} (default `'none'`)
   */
  end(client: string | undefined, outcome: GateOutcome = 'none'): void {
    const key = clientKey(client);
    const left = (this.inFlight.get(key) ?? 1) - 1;
    if (left > 0) this.inFlight.set(key, left);
    else this.inFlight.delete(key);
    if (outcome === 'proven') this.prove(key);
    else if (outcome === 'failed') this.suspect(key);
    if (this.waiting.size > 0) this.release(key);
  }

  /**
   * Counts the failure of a free verification and makes the client a suspect
   * for the rest of the window: its waiting requests reserve from now on.
   *
   * @param client - client key (usually the IP)
   * @returns ms until the window resets when this failure is over the limit, else 0
   * @throws StoreUnavailableError when the store cannot count (fail closed)
   */
  async failed(client: string | undefined): Promise<number> {
    const key = clientKey(client);
    // Before the store answers, so the client's next request (even in the same burst) already reserves.
    this.suspect(key);
    if (this.waiting.size > 0) this.release(key);
    const { count, resetMs } = await this.counter.count(key);
    // Blocked only once over the limit: at exactly `limit` the count may still include valid requests in flight.
    if (count > this.counter.limit) {
      this.counter.block(key, resetMs);
      return resetMs;
    }
    return 0;
  }

  /** Makes a client a suspect for one window from now at most: the store's window may end sooner, then it merely reserves a little longer. */
  private suspect(key: string): void {
    // A failure also takes back the client's larger cap until it succeeds again.
    if (this.proven.size > 0) this.proven.delete(key);
    const now = this.now();
    // Full under a distributed attack: the oldest suspect is forgotten and gets at most FREE_IN_FLIGHT more free tries.
    setBounded(this.suspects, MAX_SUSPECTS, key, now + this.counter.windowMs, (until) => until <= now);
  }

  /** One more success: raises the client's cap by one (up to {@link PROVEN_IN_FLIGHT}) and keeps its proof for a window. */
  private prove(key: string): void {
    const now = this.now();
    const until = now + this.counter.windowMs;
    const proof = this.proven.get(key);
    if (proof === undefined || proof.until <= now) {
      setBounded(this.proven, MAX_PROVEN, key, { until, cap: FREE_IN_FLIGHT + 1 }, (p) => p.until <= now);
      return;
    }
    if (proof.cap < PROVEN_IN_FLIGHT) proof.cap++;
    // Extended at most every half window: this runs on every settled valid request.
    if (proof.until < until - this.counter.windowMs / 2) proof.until = until;
  }
}

/** A client's proof of a valid secret: until when (epoch ms), and its current cap of unreserved verifications in flight. */
interface Proof {
  until: number;
  cap: number;
}

function noop(): void {}

function ignore(): void {}
