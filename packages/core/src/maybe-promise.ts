/**
 * A value, or a promise of it: what `Store.use` and the API-key guard return,
 * so that an answer known at once (a `MemoryStore` lookup) continues in the
 * same tick, with no promise allocated.
 */
export type MaybePromise<T> = T | PromiseLike<T>;

/**
 * The one way tokenkit tells a promise from a value: anything with a callable
 * `then` (a native `Promise`, or another library's thenable).
 *
 * @param value - a value or a promise of it
 * @returns true when `value` is a promise (or any thenable) rather than the value itself
 * @example
 * ```ts
 * const answer = guard(request)
 * if (isThenable(answer)) answer.then(proceed, fail)
 * else proceed(answer)
 * ```
 */
export function isThenable<T>(value: MaybePromise<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
