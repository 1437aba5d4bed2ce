import { StoreUnavailableError, isStoreUnavailableError } from '@tokenkit/core';

/**
 * Fail closed: settles with the operation's result, or rejects with
 * `StoreUnavailableError` when it fails for any reason (connection down,
 * offline queue disabled, `MaxRetriesPerRequestError`, a Redis error reply, a
 * reply that does not decode) or takes longer than `timeoutMs`. The losing
 * side of the race always has a handler attached, so a late rejection of the
 * Redis command can never become an unhandled rejection.
 *
 * @param what - operation name for the error message (never a secret)
 * @param timeoutMs - deadline
 * @param operation - starts the Redis call
 * @returns the operation's result
 * @example
 * ```ts
 * const value = await guard('get', 1000, () => client.get(key))
 * ```
 */
export function guard<T>(what: string, timeoutMs: number, operation: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new StoreUnavailableError(`Redis did not answer ${what} within ${timeoutMs} ms`, {
          retryAfterMs: Math.max(1000, timeoutMs),
        }),
      );
    }, timeoutMs);
    let pending: Promise<T>;
    try {
      pending = operation();
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(toStoreError(what, err));
      },
    );
  });
}

/**
 * @param what - operation name
 * @param err - anything thrown by ioredis or a decoder
 * @returns a `StoreUnavailableError` carrying `err` as `cause`
 */
function toStoreError(what: string, err: unknown): StoreUnavailableError {
  if (isStoreUnavailableError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StoreUnavailableError(`Redis ${what} failed: ${message}`, { cause: err });
}
