import { StoreUnavailableError, isStoreUnavailableError } from '@tokenkit/core';
import { isThenable } from '@tokenkit/core/http';

interface InFlight {
  readonly deadline: number;
  readonly what: string;
  readonly reject: (err: StoreUnavailableError) => void;
  settled: boolean;
}

/** Above this many settled entries at the front, the queue array is compacted. */
const COMPACT_AFTER = 1024;

/**
 * Fail closed with one timer per store instead of one per call: every
 * operation settles with its result, or rejects with `StoreUnavailableError`
 * when it fails for any reason (connection down, offline queue disabled,
 * `MaxRetriesPerRequestError`, a Redis error reply, a reply that does not
 * decode) or takes longer than `timeoutMs`.
 *
 * Why not `setTimeout` per call: arming and clearing a Node timer costs about
 * as much CPU as the rest of an API-key verification's Node-side work, and
 * it runs on every request (the Redis guard must reach 90% of the throughput
 * of a raw `GET`). All operations of one store share one timeout, so their deadlines
 * arrive in call order: a FIFO queue whose head holds the earliest deadline,
 * and one timer armed for that head. Entries settle out of the front as
 * replies arrive (Redis answers one connection in order), so the queue holds
 * only what is in flight; the timer re-arms at most once per timeout period
 * while traffic flows. Deadlines use the monotonic clock (`performance.now`),
 * so a wall-clock jump can neither stretch nor cut a timeout.
 *
 * The losing side of each race always has a handler attached, so a late
 * rejection of the Redis command can never become an unhandled rejection.
 *
 * @example
 * ```ts
 * const deadlines = new Deadlines(1000)
 * const value = await deadlines.run('get', () => client.get(key))
 * ```
 */
export class Deadlines {
  private readonly queue: InFlight[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly fire = (): void => this.expire();

  /** @param timeoutMs - how long each operation may take */
  constructor(readonly timeoutMs: number) {}

  /**
   * @param what - operation name for the error message (never a secret)
   * @param operation - starts the Redis call
   * @param then - optional step applied to the reply inside the same race
   *   (its throw or rejection fails closed too): one promise hop fewer than
   *   chaining `.then()` on the result, on every verification
   * @returns the operation's result (after `then`), or a `StoreUnavailableError` rejection
   */
  run<T, U = T>(what: string, operation: () => Promise<T>, then?: (value: T) => U | PromiseLike<U>): Promise<U> {
    return new Promise<U>((resolve, reject) => {
      const entry: InFlight = { deadline: performance.now() + this.timeoutMs, what, reject, settled: false };
      this.queue.push(entry);
      if (this.timer === undefined) this.arm(this.timeoutMs);
      let pending: Promise<T>;
      try {
        pending = operation();
      } catch (err) {
        pending = Promise.reject(err);
      }
      pending.then(
        (value) => {
          if (entry.settled) return;
          entry.settled = true;
          this.release();
          if (then === undefined) {
            resolve(value as unknown as U);
            return;
          }
          let mapped: U | PromiseLike<U>;
          try {
            mapped = then(value);
          } catch (err) {
            reject(toStoreError(what, err));
            return;
          }
          if (isThenable(mapped)) mapped.then(resolve, (err: unknown) => reject(toStoreError(what, err)));
          else resolve(mapped);
        },
        (err: unknown) => {
          if (entry.settled) return;
          entry.settled = true;
          this.release();
          reject(toStoreError(what, err));
        },
      );
    });
  }

  /** Drops settled entries from the front (the common case: replies in call order). */
  private release(): void {
    const queue = this.queue;
    let head = this.head;
    while (head < queue.length && queue[head]!.settled) head++;
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head > COMPACT_AFTER) {
      queue.splice(0, head);
      head = 0;
    }
    this.head = head;
  }

  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    const queue = this.queue;
    while (this.head < queue.length) {
      const entry = queue[this.head]!;
      if (!entry.settled) {
        if (entry.deadline > now) break;
        entry.settled = true;
        entry.reject(
          new StoreUnavailableError(`Redis did not answer ${entry.what} within ${this.timeoutMs} ms`, {
            retryAfterMs: Math.max(1000, this.timeoutMs),
          }),
        );
      }
      this.head++;
    }
    this.release();
    const next = queue[this.head];
    if (next !== undefined) this.arm(Math.max(1, next.deadline - now));
  }

  private arm(ms: number): void {
    // Unref'd: an in-flight command keeps the process alive through its
    // socket; an idle store must not.
    this.timer = setTimeout(this.fire, ms);
    this.timer.unref();
  }
}

function toStoreError(what: string, err: unknown): StoreUnavailableError {
  if (isStoreUnavailableError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StoreUnavailableError(`Redis ${what} failed: ${message}`, { cause: err });
}
