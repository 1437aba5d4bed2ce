import { crc32 } from 'node:zlib';
import { BASE62_VALUE, encodeBase62Fixed, randomBase62 } from './base62.js';

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

/** Characters after the prefix's `_`: id, secret, check. */
export const BODY_LENGTH = ID_LENGTH + SECRET_LENGTH + CHECK_LENGTH;
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
  return encodeBase62Fixed(crc32Of(head, head.length), CHECK_LENGTH);
}

/** The standard CRC-32 (IEEE 802.3, as zlib) lookup table. */
const CRC_TABLE: Int32Array = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/**
 * CRC-32 of the UTF-8 bytes of `text.slice(0, end)`, as an unsigned integer.
 * Credentials are ASCII, where a char code is its byte, so a table-driven JS
 * loop does it without `zlib.crc32`'s native call and string copy (~40%
 * cheaper on every parse); anything non-ASCII falls back to zlib.
 *
 * @param text - the input
 * @param end - how many leading characters to cover
 * @returns the CRC-32, identical to `zlib.crc32(text.slice(0, end)) >>> 0`
 */
function crc32Of(text: string, end: number): number {
  let c = -1;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return crc32(text.slice(0, end)) >>> 0;
    c = CRC_TABLE[(c ^ code) & 0xff]! ^ (c >>> 8);
  }
  return (c ^ -1) >>> 0;
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

/**
 * Mints a credential with a fresh random secret for an id the caller chose —
 * for records whose id is fixed: an API key keeps its id across rotations, a
 * reset token under `onIssue: 'revoke-previous'` has one id per user.
 *
 * @param prefix - a valid prefix (not re-validated here)
 * @param id - a 10-character base62 id
 * @returns the credential and its id
 */
export function generateCredentialFor(prefix: string, id: string): MintedCredential {
  const head = `${prefix}_${id}${randomBase62(SECRET_LENGTH)}`;
  return { credential: head + checksum(head), id, prefix };
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
  // One pass: each body character is checked against the alphabet with one
  // table lookup and folded into the CRC as it goes; the check part is
  // decoded instead of re-encoding the CRC (fixed-width base62 is a
  // bijection, so comparing numbers is comparing strings).
  const checkStart = length - CHECK_LENGTH;
  let crc = -1;
  let ascii = true;
  for (let i = 0; i <= separator; i++) {
    const code = input.charCodeAt(i);
    if (code > 0x7f) ascii = false; // only a caller-supplied expectedPrefix can do this
    crc = CRC_TABLE[(crc ^ code) & 0xff]! ^ (crc >>> 8);
  }
  for (let i = separator + 1; i < checkStart; i++) {
    const code = input.charCodeAt(i);
    if (code > 0x7f || BASE62_VALUE[code]! < 0) return malformed('invalid character');
    crc = CRC_TABLE[(crc ^ code) & 0xff]! ^ (crc >>> 8);
  }
  let check = 0;
  for (let i = checkStart; i < length; i++) {
    const code = input.charCodeAt(i);
    const digit = code > 0x7f ? -1 : BASE62_VALUE[code]!;
    if (digit < 0) return malformed('invalid character');
    check = check * 62 + digit;
  }
  const expected = ascii ? (crc ^ -1) >>> 0 : crc32Of(input, checkStart);
  if (expected !== check) return malformed('bad checksum');
  return { valid: true, prefix, id: input.slice(separator + 1, separator + 1 + ID_LENGTH) };
}
