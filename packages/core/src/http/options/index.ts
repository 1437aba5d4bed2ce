import { type Duration, parseDuration } from '../../duration.js';
import { ConfigError } from '../../errors.js';
import { DEFAULT_BODY_LIMIT } from '../body/index.js';
import type { ErrorReporter } from '../types.js';

/**
 * Default reporter for failures off the response path: `console.error`
 * with the flow's name (never a token — errors carry ids only).
 *
 * @param error - what failed
 * @param context - which flow
 * @example
 * ```ts
 * resetRoutes({ ..., onError: (err, { flow }) => logger.error({ err, flow }) })
 * ```
 */
export const reportToConsole: ErrorReporter = (error, context) => {
  console.error(`[tokenkit] ${context.flow} failed:`, error);
};

/**
 * Checks the `bodyLimit` option.
 *
 * @param value - bytes, or undefined for the default (16 KiB)
 * @returns a positive integer
 * @throws ConfigError otherwise
 * @example
 * ```ts
 * checkBodyLimit(undefined) // 16384
 * ```
 */
export function checkBodyLimit(value: number | undefined): number {
  if (value === undefined) return DEFAULT_BODY_LIMIT;
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError('bodyLimit must be a positive number of bytes');
  return value;
}

/**
 * Checks an optional callback option.
 *
 * @param value - the option
 * @param name - option name for the message
 * @returns the function, or undefined
 * @throws ConfigError when present but not a function
 * @example
 * ```ts
 * const validate = optionalFunction(options.validatePassword, 'resetRoutes: validatePassword')
 * ```
 */
export function optionalFunction<F>(value: F | undefined, name: string): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw new ConfigError(`${name} must be a function`);
  return value;
}

/**
 * Checks a required callback option.
 *
 * @param value - the option
 * @param name - option name for the message
 * @returns the function
 * @throws ConfigError when it is not a function
 * @example
 * ```ts
 * const send = requiredFunction(options.sendResetEmail, 'resetRoutes: sendResetEmail')
 * ```
 */
export function requiredFunction<F>(value: F | undefined, name: string): F {
  if (typeof value !== 'function') throw new ConfigError(`${name} is required and must be a function`);
  return value;
}

/**
 * Parses an optional duration that `false` disables.
 *
 * @param value - the option
 * @param fallback - default when undefined
 * @param name - option name for the message
 * @returns milliseconds, or undefined when disabled
 * @example
 * ```ts
 * optionalDuration(options.emailCooldown, '1m', 'emailCooldown') // 60000
 * ```
 */
export function optionalDuration(value: Duration | false | undefined, fallback: Duration, name: string): number | undefined {
  if (value === false) return undefined;
  const ms = parseDuration(value ?? fallback, name);
  return ms > 0 ? ms : undefined;
}

/**
 * Checks a `trustedOrigins` option.
 *
 * @param value - the option
 * @param name - option owner for the message
 * @returns the entries (empty when undefined)
 * @throws ConfigError when it is not an array of strings
 * @example
 * ```ts
 * trustedOrigins(['https://www.example.com'], 'resetRoutes') // ['https://www.example.com']
 * ```
 */
export function trustedOrigins(value: readonly string[] | undefined, name: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
    throw new ConfigError(`${name}: trustedOrigins must be an array of origins such as ['https://app.example.com']`);
  }
  return value;
}
