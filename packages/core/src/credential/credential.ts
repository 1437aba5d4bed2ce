import { crc32 } from 'node:zlib';
import { encodeBase62Fixed, isBase62, randomBase62 } from './base62.js';

/** Length of the public id part. */
export const ID_LENGTH = 10;
/** Length of the secret part: 32 base62 chars ≈ 190.5 bits. */
export const SECRET_LENGTH = 32;
/** Length of the CRC32 check part. */
export const CHECK_LENGTH = 6;
/** Longest credential `parseCredential` looks at. */
export const MAX_CREDENTIAL_LENGTH = 255;
/** Longest prefix. */
export const MAX_PREFIX_LENGTH = 16;

const BODY_LENGTH = ID_LENGTH + SECRET_LENGTH + CHECK_LENGTH;
const PREFIX_PATTERN = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/**
 * @param prefix - a candidate prefix such as `'sk'` or `'sk_live'`
 * @returns true when it is a valid credential prefix
 */
export function isValidPrefix(prefix: string): boolean {
  return typeof prefix === 'string' && prefix.length <= MAX_PREFIX_LENGTH && PREFIX_PATTERN.test(prefix);
}

/** A freshly minted credential and its parts. */
export interface MintedCredential {
  /** The full credential, `<prefix>_<id><secret><check>`. Show it once. */
  credential: string;
  /** The public id: safe to log, the store lookup key. */
  id: string;
  prefix: string;
}

/**
 * Builds the check part: CRC32 of everything before it, 6 base62 characters.
 *
 * @param head - `<prefix>_<id><secret>`
 * @returns the check string
 */
export function checksum(head: string): string {
  return encodeBase62Fixed(crc32(head) >>> 0, CHECK_LENGTH);
}

/**
 * Mints a new credential with a random id and secret.
 *
 * @param prefix - a valid prefix (not re-validated here: managers check it at construction)
 * @returns the credential and its id
 * @example
 * ```ts
 * const { credential, id } = generateCredential('sk')
 * ```
 */
export function generateCredential(prefix: string): MintedCredential {
  const idAndSecret = randomBase62(ID_LENGTH + SECRET_LENGTH);
  const head = `${prefix}_${idAndSecret}`;
  return { credential: head + checksum(head), id: idAndSecret.slice(0, ID_LENGTH), prefix };
}

/** Result of {@link parseCredential}. */
export type ParsedCredential =
  | { valid: true; prefix: string; id: string }
  | { valid: false; code: 'MALFORMED'; reason: string };

function malformed(reason: string): ParsedCredential {
  return { valid: false, code: 'MALFORMED', reason };
}

/**
 * Checks a presented credential's shape and CRC32 without touching any store.
 * Parses from the right, so prefixes may contain underscores.
 *
 * @param input - the presented string (anything: non-strings are `MALFORMED`)
 * @param expectedPrefix - when given, any other prefix is `MALFORMED`
 * @returns `{ valid: true, prefix, id }` or `{ valid: false, code: 'MALFORMED', reason }`
 * @example
 * ```ts
 * const parsed = parseCredential(req.headers['x-api-key'], 'sk')
 * if (!parsed.valid) return reject(parsed.code)
 * ```
 */
export function parseCredential(input: unknown, expectedPrefix?: string): ParsedCredential {
  if (typeof input !== 'string') return malformed('not a string');
  const length = input.length;
  if (length > MAX_CREDENTIAL_LENGTH) return malformed('too long');
  if (length < BODY_LENGTH + 2) return malformed('too short');
  const separator = length - BODY_LENGTH - 1;
  if (input.charCodeAt(separator) !== 95 /* _ */) return malformed('missing separator');
  const prefix = input.slice(0, separator);
  if (expectedPrefix !== undefined ? prefix !== expectedPrefix : !isValidPrefix(prefix)) {
    return malformed('wrong prefix');
  }
  const body = input.slice(separator + 1);
  if (!isBase62(body)) return malformed('invalid character');
  const head = input.slice(0, length - CHECK_LENGTH);
  if (checksum(head) !== input.slice(length - CHECK_LENGTH)) return malformed('bad checksum');
  return { valid: true, prefix, id: body.slice(0, ID_LENGTH) };
}
