import { hash as oneShotHash } from 'node:crypto';
import { ConfigError } from '../errors.js';

/** Shortest secret accepted: 32 characters (e.g. `tokenkit token --urlsafe 32` gives 43). */
export const MIN_SECRET_LENGTH = 32;

const BLOCK = 64;
const MAX_MESSAGE = 1024;

/**
 * HMAC-SHA256 with one precomputed key. Hand-written from two one-shot
 * `crypto.hash` calls because `createHmac` alone costs more than the API-key
 * guard's whole budget of about 1 µs per request (`bench/micro`, "keyed
 * hash", compares the two). Output is byte-identical to
 * `createHmac('sha256', key)` — a test checks that.
 */
class FastHmac {
  private readonly inner: Buffer;
  private readonly outer: Buffer;
  /** `inner` views by message byte length: credentials of one manager all have the same length, so this saves a subarray per call. */
  private readonly innerViews: Buffer[] = [];

  constructor(key: string) {
    let keyBytes = Buffer.from(key, 'utf8');
    if (keyBytes.length > BLOCK) keyBytes = oneShotHash('sha256', keyBytes, 'buffer');
    this.inner = Buffer.alloc(BLOCK + MAX_MESSAGE);
    this.outer = Buffer.alloc(BLOCK + 32);
    for (let i = 0; i < BLOCK; i++) {
      const k = keyBytes[i] ?? 0;
      this.inner[i] = k ^ 0x36;
      this.outer[i] = k ^ 0x5c;
    }
  }

  /** @returns base64url(HMAC-SHA256(key, message)) */
  digest(message: string): string {
    const written = this.inner.write(message, BLOCK, 'utf8');
    // `write` stops before a character that does not fit, so the whole message
    // surely fit only when 4 bytes (the longest UTF-8 character) were left.
    // Longer messages never come from parsed credentials (<= 255 chars): hash
    // them on a slower path rather than silently truncating or throwing.
    if (written > MAX_MESSAGE - 4) return this.digestLong(message);
    // The inner digest travels as a 'binary' (latin1) string, not a Buffer: on Node 20
    // `crypto.hash(…, 'buffer')` costs several times the string form (bench/RESULTS.md,
    // "Design choices"), and a latin1 string maps each char back to exactly one byte when written.
    let view = this.innerViews[written];
    if (view === undefined) {
      view = this.inner.subarray(0, BLOCK + written);
      this.innerViews[written] = view;
    }
    const innerDigest = oneShotHash('sha256', view, 'binary');
    this.outer.write(innerDigest, BLOCK, 'latin1');
    return oneShotHash('sha256', this.outer, 'base64url');
  }

  private digestLong(message: string): string {
    const inner = oneShotHash('sha256', Buffer.concat([this.inner.subarray(0, BLOCK), Buffer.from(message, 'utf8')]), 'buffer');
    return oneShotHash('sha256', Buffer.concat([this.outer.subarray(0, BLOCK), inner]), 'base64url');
  }
}

interface VersionedKey {
  tag: string;
  hmac: FastHmac;
}

/**
 * Hashes credentials for storage: `HMAC-SHA256(secret, credential)` tagged with
 * the secret's version, or plain SHA-256 (`s$…`) when no secret is configured.
 *
 * The version tag is a short fingerprint of the secret (`v` + 6 base64url chars
 * of HMAC(secret, "tokenkit/key-version")), not a list position: positions
 * shift when a rotation prepends a new secret or drops an old one, while a
 * fingerprint keeps naming the same key. Secrets are at least 32 characters, so
 * the fingerprint gives no foothold for guessing them. Verification picks the
 * tag tells which key signed a stored hash; verification computes one HMAC per
 * configured secret (one, except during a rotation) and compares each in
 * constant time with the stored hash.
 */
export class KeyedHasher {
  private readonly keys: VersionedKey[];
  private readonly byTag = new Map<string, FastHmac>();
  /** True when no secret was configured (plain SHA-256). */
  readonly unkeyed: boolean;

  /**
   * @param secret - one secret or a list (first signs new credentials, all verify)
   */
  constructor(secret: string | readonly string[] | undefined) {
    const list = secret === undefined ? [] : typeof secret === 'string' ? [secret] : [...secret];
    if (secret !== undefined && list.length === 0) {
      throw new ConfigError('secret: an empty list cannot sign anything; pass a string or omit the option');
    }
    for (const [i, s] of list.entries()) {
      if (typeof s !== 'string' || s.length < MIN_SECRET_LENGTH) {
        throw new ConfigError(
          `secret${list.length > 1 ? `[${i}]` : ''} must be a string of at least ${MIN_SECRET_LENGTH} characters; ` +
            'generate one with `openssl rand -base64 32` (or `tokenkit token`) and keep it in an environment variable',
        );
      }
    }
    this.unkeyed = list.length === 0;
    this.keys = list.map((s) => {
      const hmac = new FastHmac(s);
      return { tag: `v${hmac.digest('tokenkit/key-version').slice(0, 6)}`, hmac };
    });
    for (const key of this.keys) {
      if (this.byTag.has(key.tag)) throw new ConfigError('secret: the list contains the same secret twice');
      this.byTag.set(key.tag, key.hmac);
    }
  }

  /**
   * Hash for a new credential (signed with the first secret).
   *
   * @param credential - the full credential
   * @returns `v<fingerprint>$<base64url>`, or `s$<base64url>` without a secret
   */
  hash(credential: string): string {
    const first = this.keys[0];
    if (!first) return `s$${oneShotHash('sha256', credential, 'base64url')}`;
    return `${first.tag}$${first.hmac.digest(credential)}`;
  }

  /**
   * Hashes of a presented credential under every configured secret, for a
   * constant-time comparison with the stored one (the first matches new
   * credentials; the others match credentials signed before a rotation).
   *
   * @param credential - the presented credential
   * @returns one tagged hash per secret (one plain SHA-256 without a secret)
   */
  candidates(credential: string): string[] {
    if (this.keys.length === 0) return [this.hash(credential)];
    return this.keys.map((key) => `${key.tag}$${key.hmac.digest(credential)}`);
  }

  /**
   * Keyed digests of a non-credential message, one per configured secret
   * (the signing secret first), for values that must be derivable again
   * later but unpredictable without the secret — e.g. the one record id per
   * user of reset tokens. Callers put a purpose label into `message` so the
   * digests can never equal a credential hash.
   *
   * @param message - the labelled message
   * @returns 32-byte digests (one plain SHA-256 without a secret)
   */
  derive(message: string): Buffer[] {
    if (this.keys.length === 0) return [oneShotHash('sha256', message, 'buffer')];
    return this.keys.map((key) => Buffer.from(key.hmac.digest(message), 'base64url'));
  }
}
