/**
 * Every error tokenkit throws carries a literal `code`. Identify errors by
 * `code`/`name` rather than only `instanceof`: an app can load both the ESM and
 * the CJS build, and then two copies of each class exist.
 */
export type TokenkitErrorCode = 'STORE_UNAVAILABLE' | 'CONFIG_INVALID' | 'INVALID_ARGUMENT' | 'CONFLICT';

/**
 * Base class of every tokenkit error.
 *
 * @example
 * ```ts
 * try { await apiKeys.verify(key) } catch (err) {
 *   if (isTokenkitError(err) && err.code === 'STORE_UNAVAILABLE') res.status(503)
 * }
 * ```
 */
export class TokenkitError extends Error {
  /** Machine-readable reason. */
  readonly code: TokenkitErrorCode;
  /** Whether retrying the same call later can succeed. */
  readonly retryable: boolean;

  /**
   * @param code - the literal error code
   * @param message - a human-readable message that says how to fix the problem
   * @param options - `cause` and `retryable`
   */
  constructor(code: TokenkitErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TokenkitError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/**
 * The store could not answer (down, timed out, or returned an error).
 * Verification fails closed: callers answer 503 + `Retry-After`, never 200 or 401.
 */
export class StoreUnavailableError extends TokenkitError {
  override readonly code = 'STORE_UNAVAILABLE' as const;
  /** Suggested wait before retrying, in milliseconds. */
  readonly retryAfterMs: number;

  /**
   * @param message - what failed
   * @param options - the underlying `cause` and a `retryAfterMs` hint (default 1000)
   */
  constructor(message: string, options: { cause?: unknown; retryAfterMs?: number } = {}) {
    super('STORE_UNAVAILABLE', message, { cause: options.cause, retryable: true });
    this.name = 'StoreUnavailableError';
    this.retryAfterMs = options.retryAfterMs ?? 1000;
  }
}

/** A manager, store or adapter was constructed with options that cannot work. */
export class ConfigError extends TokenkitError {
  override readonly code = 'CONFIG_INVALID' as const;

  /** @param message - what is wrong and how to fix it */
  constructor(message: string) {
    super('CONFIG_INVALID', message);
    this.name = 'ConfigError';
  }
}

/**
 * A method was called with an argument it cannot accept (for example a
 * `maxUses` of 0). Generators throw plain `TypeError`/`RangeError` instead, like
 * Node's own `crypto` functions.
 */
export class InvalidArgumentError extends TokenkitError {
  override readonly code = 'INVALID_ARGUMENT' as const;

  /** @param message - which argument is wrong and what is accepted */
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
    this.name = 'InvalidArgumentError';
  }
}

/**
 * A change lost a race with a concurrent change of the same record — e.g. two
 * `ApiKeys.rotate(id)` calls at once: exactly one rotates, the other throws
 * this and issues nothing. Read the record again and decide whether to retry.
 */
export class ConflictError extends TokenkitError {
  override readonly code = 'CONFLICT' as const;

  /** @param message - what changed concurrently */
  constructor(message: string) {
    super('CONFLICT', message);
    this.name = 'ConflictError';
  }
}

/**
 * Duck-typed check that works across ESM/CJS copies of the package.
 *
 * @param err - anything caught
 * @returns true when `err` is a tokenkit error
 */
export function isTokenkitError(err: unknown): err is TokenkitError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'string' &&
    ['STORE_UNAVAILABLE', 'CONFIG_INVALID', 'INVALID_ARGUMENT', 'CONFLICT'].includes((err as { code: string }).code) &&
    err instanceof Error
  );
}

/**
 * @param err - anything caught
 * @returns true when `err` is a {@link StoreUnavailableError} (from either build)
 */
export function isStoreUnavailableError(err: unknown): err is StoreUnavailableError {
  return isTokenkitError(err) && err.code === 'STORE_UNAVAILABLE';
}
