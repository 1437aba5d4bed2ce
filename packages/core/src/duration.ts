import { ConfigError } from './errors.js';

/** Milliseconds, or a string such as `'500ms'`, `'30s'`, `'15m'`, `'1h'`, `'7d'`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/**
 * Converts a {@link Duration} to milliseconds.
 *
 * @param value - milliseconds or a unit string
 * @param name - the option name, used in the error message
 * @returns a non-negative integer number of milliseconds
 * @throws ConfigError when the value is not a finite non-negative duration
 * @example
 * ```ts
 * parseDuration('15m') // 900000
 * ```
 */
export function parseDuration(value: Duration | string, name = 'duration'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigError(`${name} must be a non-negative number of milliseconds or a string like '15m'; got ${value}`);
    }
    return Math.floor(value);
  }
  const match = typeof value === 'string' ? PATTERN.exec(value.trim()) : null;
  if (!match) {
    throw new ConfigError(
      `${name} must be milliseconds or a string like '500ms', '30s', '15m', '1h', '7d'; got ${JSON.stringify(value)}`,
    );
  }
  return Math.floor(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
}
