import { parseDuration } from '@tokenkit/core';
import { CliError } from './errors.js';

/** Largest byte count / password length the core generators accept (1 MiB). */
export const MAX_SIZE = 1024 * 1024;

/**
 * Parses a whole number from a flag or argument. Stricter than `parseInt`
 * (which accepts `12abc` and `1e3`), so typos fail loudly instead of silently
 * producing a weaker secret.
 *
 * @param value - the raw text
 * @param name - the flag or argument name for the message, e.g. `--length`
 * @param min - smallest accepted value
 * @param max - largest accepted value
 * @returns the integer
 * @throws CliError (exit 1) when it is not an integer in range
 */
export function parseInteger(value: string, name: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^[0-9]+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new CliError(`${name} must be ${range}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/**
 * Parses a positive duration such as `30d`, `72h`, `15m`, `90s` or plain milliseconds.
 *
 * @param value - the raw text
 * @param name - the flag name for the message
 * @param allowZero - whether `0`/`0s` is accepted (e.g. `--grace 0s`)
 * @returns milliseconds
 * @throws CliError (exit 1) on anything else
 */
export function parseDurationFlag(value: string, name: string, allowZero = false): number {
  const text = value.trim();
  let ms: number;
  try {
    ms = parseDuration(/^[0-9]+$/.test(text) ? Number(text) : text, name);
  } catch {
    throw new CliError(`${name} must be a duration like 90s, 15m, 72h or 30d, got ${JSON.stringify(value)}`);
  }
  if (!Number.isSafeInteger(ms) || (ms === 0 && !allowZero)) {
    throw new CliError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} duration, got ${JSON.stringify(value)}`);
  }
  return ms;
}

/**
 * Parses `--rate-limit LIMIT/WINDOW`, e.g. `100/1m` = at most 100 successful
 * verifications per minute.
 *
 * @param value - the raw text
 * @returns the limit and the window in milliseconds
 * @throws CliError (exit 1) when the shape or either part is wrong
 */
export function parseRateLimit(value: string): { limit: number; windowMs: number } {
  const match = /^\s*([^/]+)\/(.+)$/.exec(value);
  if (!match) throw new CliError(`--rate-limit must look like 100/1m (limit/window), got ${JSON.stringify(value)}`);
  return {
    limit: parseInteger(match[1]!, '--rate-limit limit'),
    windowMs: parseDurationFlag(match[2]!, '--rate-limit window'),
  };
}

/**
 * Accumulates a repeatable flag; commas also separate values, so
 * `--scope read,write` equals `--scope read --scope write`.
 *
 * @param value - this occurrence
 * @param previous - values so far
 * @returns the list including this occurrence's values
 */
export function collectList(value: string, previous: string[] = []): string[] {
  const parts = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (parts.length === 0) throw new CliError(`expected a non-empty value, got ${JSON.stringify(value)}`);
  return [...previous, ...parts];
}

/**
 * Accumulates a repeatable flag verbatim (no comma splitting: secrets may contain commas).
 *
 * @param value - this occurrence
 * @param previous - values so far
 * @returns the list including this occurrence
 */
export function collectRaw(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
