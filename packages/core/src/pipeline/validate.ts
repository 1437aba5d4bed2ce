import { type Duration, parseDuration } from '../duration.js';
import { ConfigError, InvalidArgumentError } from '../errors.js';

/** JSON-serialisable metadata attached to a record. */
export type Meta = Record<string, unknown>;

const MAX_META_BYTES = 8 * 1024;

/**
 * @param value - user-supplied metadata
 * @returns a JSON round-tripped copy (so the store never holds live references)
 * @throws InvalidArgumentError when it is not a plain JSON object of at most 8 KiB
 */
export function checkMeta(value: unknown): Meta {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError('meta must be a plain JSON object');
  }
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    throw new InvalidArgumentError('meta must be JSON-serialisable');
  }
  if (Buffer.byteLength(json) > MAX_META_BYTES) {
    throw new InvalidArgumentError(`meta must be at most ${MAX_META_BYTES} bytes as JSON`);
  }
  return JSON.parse(json) as Meta;
}

/**
 * A private copy of stored `meta` for a returned view. Stores may hand out
 * the stored object itself (MemoryStore does; so does RedisStore's record
 * cache), so a caller changing `apiKey.meta` on one request must not change
 * what the next request sees. Empty meta — the common case on the API-key
 * guard's hot path — costs one empty object.
 *
 * @param meta - the stored meta (absent on records written without one)
 * @returns a deep copy (meta is JSON by construction)
 */
export function copyMeta(meta: Meta | undefined): Meta {
  if (meta == null) return {};
  for (const name in meta) {
    if (Object.hasOwn(meta, name)) return JSON.parse(JSON.stringify(meta)) as Meta;
  }
  return {};
}

/**
 * @param value - a candidate subject (user or owner id)
 * @returns whether it is usable as one: a non-empty string of at most 256 characters
 */
export function isSubject(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 256;
}

/**
 * @param value - candidate id of a user/owner/creator
 * @param name - option name for the message
 * @returns the value when it is a non-empty string of at most 256 characters
 */
export function checkSubject(value: unknown, name: string): string {
  if (!isSubject(value)) {
    throw new InvalidArgumentError(`${name} must be a non-empty string of at most 256 characters`);
  }
  return value;
}

/**
 * @param value - candidate count
 * @param name - option name for the message
 * @returns the value when it is a positive safe integer
 */
export function checkPositiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * @param value - candidate list of scopes
 * @returns a de-duplicated copy
 */
export function checkScopes(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((s) => typeof s === 'string' && s.length > 0 && s.length <= 128)) {
    throw new InvalidArgumentError('scopes must be an array of non-empty strings');
  }
  return [...new Set(value as string[])];
}

/**
 * Trims and lower-cases an e-mail address for comparison.
 *
 * @param value - an address (anything else yields undefined)
 * @returns the normalised address, or undefined
 */
export function normalizeEmail(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim().toLowerCase();
  return trimmed.length > 0 ? trimmed : undefined;
}

/**
 * Parses a duration passed to a method (not to a constructor), so a bad value
 * is the caller's `InvalidArgumentError`, not a `ConfigError`.
 *
 * @param value - milliseconds or a string like `'15m'`
 * @param name - option name for the message
 * @returns milliseconds
 */
export function checkDuration(value: unknown, name: string): number {
  try {
    return parseDuration(value as Duration, name);
  } catch (err) {
    if (err instanceof ConfigError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}
