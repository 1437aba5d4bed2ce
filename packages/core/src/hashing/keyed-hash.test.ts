import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateCredential } from '../credential/credential.js';
import { ConfigError } from '../errors.js';
import { OTHER_SECRET, TEST_SECRET } from '../test-utils/stores.js';
import { KeyedHasher, MIN_SECRET_LENGTH } from './keyed-hash.js';
import { matchesAnyHash } from './match.js';

const hmac = (key: string, message: string) => createHmac('sha256', key).update(message).digest('base64url');
const tagOf = (secret: string) => `v${hmac(secret, 'tokenkit/key-version').slice(0, 6)}`;

/** Secrets of at least 32 characters; with multi-byte characters many exceed the 64-byte HMAC block. */
const secretArb = fc.oneof(
  fc.string({ minLength: 32, maxLength: 64, unit: 'grapheme-ascii' }),
  fc.string({ minLength: 65, maxLength: 300, unit: 'grapheme-ascii' }),
  fc.string({ minLength: 32, maxLength: 100, unit: 'binary' }),
);

const messageArb = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ maxLength: 300, unit: 'binary' }),
  fc.string({ minLength: 1000, maxLength: 1100, unit: 'grapheme' }),
  fc.string({ minLength: 300, maxLength: 600, unit: 'binary' }),
);

describe('KeyedHasher', () => {
  it('the hand-written HMAC equals createHmac("sha256") for random keys (incl. > 64 bytes) and messages', () => {
    fc.assert(
      fc.property(secretArb, messageArb, (secret, message) => {
        const hasher = new KeyedHasher(secret);
        expect(hasher.hash(message)).toBe(`${tagOf(secret)}$${hmac(secret, message)}`);
      }),
      { numRuns: 1000 },
    );
  });

  it('HMAC equality at the edges: empty message, exact block-size keys, messages around 1 KiB', () => {
    const edgeKeys = ['k'.repeat(32), 'k'.repeat(63), 'k'.repeat(64), 'k'.repeat(65), 'é'.repeat(32), '🔑'.repeat(16)];
    const edgeMessages = ['', 'a', 'a'.repeat(1019), 'a'.repeat(1020), 'a'.repeat(1023), 'a'.repeat(1024), 'a'.repeat(1025), `${'a'.repeat(1022)}€`, 'a'.repeat(5000)];
    for (const key of edgeKeys) {
      const hasher = new KeyedHasher(key);
      for (const message of edgeMessages) expect(hasher.hash(message), `${key.length}/${message.length}`).toBe(`${tagOf(key)}$${hmac(key, message)}`);
    }
  });

  it('tags are `v` + 6 characters of HMAC(secret, "tokenkit/key-version"): stable, and different per secret', () => {
    const a = new KeyedHasher(TEST_SECRET);
    const b = new KeyedHasher(TEST_SECRET);
    const c = new KeyedHasher(OTHER_SECRET);
    const { credential } = generateCredential('sk');
    expect(a.hash(credential)).toBe(b.hash(credential));
    expect(a.hash(credential).split('$')[0]).toBe(tagOf(TEST_SECRET));
    expect(a.hash(credential)).toMatch(/^v[A-Za-z0-9_-]{6}\$[A-Za-z0-9_-]{43}$/);
    expect(tagOf(TEST_SECRET)).not.toBe(tagOf(OTHER_SECRET));
    expect(c.hash(credential)).not.toBe(a.hash(credential));
    expect(c.hash(credential).startsWith(`${tagOf(OTHER_SECRET)}$`)).toBe(true);
    fc.assert(
      fc.property(secretArb, secretArb, (s1, s2) => {
        fc.pre(s1 !== s2);
        expect(new KeyedHasher(s1).hash('x')).not.toBe(new KeyedHasher(s2).hash('x'));
      }),
      { numRuns: 200 },
    );
  });

  it('the tag does not move when a rotation prepends a new secret or drops an old one', () => {
    const { credential } = generateCredential('sk');
    const before = new KeyedHasher([TEST_SECRET]).hash(credential);
    const during = new KeyedHasher([OTHER_SECRET, TEST_SECRET]).candidates(credential);
    const after = new KeyedHasher([OTHER_SECRET]).hash(credential);
    expect(during).toEqual([after, before]);
    expect(matchesAnyHash(before, during)).toBe(true);
    expect(matchesAnyHash(before, new KeyedHasher(OTHER_SECRET).candidates(credential))).toBe(false);
  });

  it('the first secret signs new credentials; candidates cover every secret in order', () => {
    const third = 'third-secret-0000000000000000000000000000';
    const hasher = new KeyedHasher([OTHER_SECRET, TEST_SECRET, third]);
    expect(hasher.hash('m')).toBe(`${tagOf(OTHER_SECRET)}$${hmac(OTHER_SECRET, 'm')}`);
    expect(hasher.candidates('m')).toEqual([OTHER_SECRET, TEST_SECRET, third].map((s) => `${tagOf(s)}$${hmac(s, 'm')}`));
    expect(hasher.unkeyed).toBe(false);
  });

  it('without a secret: plain SHA-256 tagged `s$`', () => {
    const hasher = new KeyedHasher(undefined);
    expect(hasher.unkeyed).toBe(true);
    expect(hasher.hash('sk_abc')).toBe(`s$${createHash('sha256').update('sk_abc').digest('base64url')}`);
    expect(hasher.candidates('sk_abc')).toEqual([hasher.hash('sk_abc')]);
  });

  it('rejects short, non-string, duplicate and empty secret lists with ConfigError that says how to fix it', () => {
    expect(MIN_SECRET_LENGTH).toBe(32);
    expect(() => new KeyedHasher('x'.repeat(32))).not.toThrow();
    expect(() => new KeyedHasher('x'.repeat(31))).toThrow(ConfigError);
    expect(() => new KeyedHasher('x'.repeat(31))).toThrow(
      'secret must be a string of at least 32 characters; generate one with `openssl rand -base64 32` (or `tokenkit token`) and keep it in an environment variable',
    );
    expect(() => new KeyedHasher([TEST_SECRET, 'short'])).toThrow(/^secret\[1\] must be a string of at least 32 characters/);
    expect(() => new KeyedHasher([TEST_SECRET, 42 as unknown as string])).toThrow(ConfigError);
    expect(() => new KeyedHasher('')).toThrow(ConfigError);
    expect(() => new KeyedHasher([])).toThrow('secret: an empty list cannot sign anything; pass a string or omit the option');
    expect(() => new KeyedHasher([TEST_SECRET, TEST_SECRET])).toThrow('secret: the list contains the same secret twice');
    try {
      new KeyedHasher('short');
    } catch (err) {
      expect(err).toMatchObject({ name: 'ConfigError', code: 'CONFIG_INVALID' });
      // The message never echoes the secret.
      expect(String((err as Error).message)).not.toContain('short');
    }
  });
});

describe('matchesAnyHash', () => {
  it('is true when any candidate matches, false otherwise, and checks every candidate', () => {
    expect(matchesAnyHash('v1$a', ['v1$b', 'v1$a'])).toBe(true);
    expect(matchesAnyHash('v1$a', ['v1$a', 'v1$b'])).toBe(true);
    expect(matchesAnyHash('v1$a', ['v1$b', 'v1$c'])).toBe(false);
    expect(matchesAnyHash('v1$a', [])).toBe(false);
    expect(matchesAnyHash('v1$a', ['v1$ab'])).toBe(false);
  });
});
