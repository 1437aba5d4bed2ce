import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiKeys } from '../api-keys/index.js';
import { Invitations } from '../invitations/index.js';
import { ResetTokens } from '../reset-tokens/index.js';
import { MemoryStore } from '../store/memory-store.js';
import { ByteSource } from '../test-utils/byte-source.js';
import { type UniformityVerdict, uniformity } from '../test-utils/stats.js';
import { InstrumentedStore, TEST_SECRET } from '../test-utils/stores.js';
import { BASE62, randomBase62 } from './base62.js';
import {
  CHECK_LENGTH,
  ID_LENGTH,
  MAX_CREDENTIAL_LENGTH,
  MAX_PREFIX_LENGTH,
  SECRET_LENGTH,
  checksum,
  generateCredential,
  isValidPrefix,
  parseCredential,
} from './credential.js';

/** Valid prefixes: `[a-z][a-z0-9]*(_[a-z0-9]+)*`, at most 16 characters. */
const prefixArb = fc.oneof(
  fc.constantFrom('sk', 'sk_live', 'a1_b2_c3', 'rst', 'inv', 'x', 'abcdefghijklmnop'),
  fc.stringMatching(/^[a-z][a-z0-9]{0,5}(_[a-z0-9]{1,4}){0,2}$/),
);

/** Characters a mutation may insert or substitute: base62, separators, look-alikes, anything. */
const charArb = fc.oneof(
  fc.constantFrom(...BASE62, '_', '-', ' ', '=', '.', 'é', '\u0000'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

type Mutation =
  | { kind: 'substitute'; at: number; ch: string }
  | { kind: 'delete'; at: number }
  | { kind: 'insert'; at: number; ch: string }
  | { kind: 'truncate'; keep: number }
  | { kind: 'extend'; tail: string };

/** A mutation at a position given as a fraction of the length (so it fits any credential). */
const mutationArb: fc.Arbitrary<{ kind: Mutation['kind']; where: number; ch: string; tail: string }> = fc.record({
  kind: fc.constantFrom<Mutation['kind']>('substitute', 'delete', 'insert', 'truncate', 'extend'),
  where: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  ch: charArb,
  tail: fc.string({ minLength: 1, maxLength: 8 }),
});

function mutate(credential: string, m: { kind: Mutation['kind']; where: number; ch: string; tail: string }): string {
  const at = Math.floor(m.where * credential.length);
  switch (m.kind) {
    case 'substitute': {
      const replacement = m.ch === credential[at] ? (credential[at] === 'A' ? 'B' : 'A') : m.ch;
      return credential.slice(0, at) + replacement + credential.slice(at + 1);
    }
    case 'delete':
      return credential.slice(0, at) + credential.slice(at + 1);
    case 'insert':
      return credential.slice(0, at) + m.ch + credential.slice(at);
    case 'truncate':
      return credential.slice(0, at);
    case 'extend':
      return credential + m.tail;
  }
}

describe('credential format', () => {
  it('has the documented part lengths', () => {
    expect([ID_LENGTH, SECRET_LENGTH, CHECK_LENGTH, MAX_CREDENTIAL_LENGTH, MAX_PREFIX_LENGTH]).toEqual([10, 32, 6, 255, 16]);
  });

  it('the check part is CRC32 of everything before it in 6 zero-padded base62 digits (values from Python zlib)', () => {
    expect(checksum(`sk_${'0'.repeat(42)}`)).toBe('4fQAsQ'); // crc32 = 4276599446
    expect(checksum('sk_live_abcdefghijABCDEFGHIJKLMNOPQRSTUVWXYZ012345')).toBe('2mqPkR'); // 2554021827
    expect(checksum('')).toBe('000000'); // crc32('') = 0: zero padding
    const parsed = parseCredential(`sk_${'0'.repeat(42)}4fQAsQ`, 'sk');
    expect(parsed).toEqual({ valid: true, prefix: 'sk', id: '0000000000' });
  });

  it('property: every generated credential has the format and parses back to its prefix and id', () => {
    fc.assert(
      fc.property(prefixArb, (prefix) => {
        const { credential, id, prefix: returnedPrefix } = generateCredential(prefix);
        expect(returnedPrefix).toBe(prefix);
        expect(credential).toMatch(new RegExp(`^${prefix}_[0-9A-Za-z]{48}$`));
        expect(credential.slice(prefix.length + 1, prefix.length + 11)).toBe(id);
        expect(parseCredential(credential)).toEqual({ valid: true, prefix, id });
        expect(parseCredential(credential, prefix)).toEqual({ valid: true, prefix, id });
      }),
      { numRuns: 1000 },
    );
  });

  it('property: any single-character substitution, deletion, insertion, truncation or extension is MALFORMED', () => {
    fc.assert(
      fc.property(prefixArb, mutationArb, (prefix, m) => {
        const { credential } = generateCredential(prefix);
        const mutated = mutate(credential, m);
        expect(mutated).not.toBe(credential);
        expect(parseCredential(mutated, prefix)).toMatchObject({ valid: false, code: 'MALFORMED' });
        expect(parseCredential(mutated)).toMatchObject({ valid: false, code: 'MALFORMED' });
      }),
      { numRuns: 5000 },
    );
  });

  it('exhaustively: every substitution of every position of one credential by every base62 character is caught', () => {
    const { credential } = generateCredential('sk_live');
    let checked = 0;
    for (let at = 0; at < credential.length; at++) {
      for (const ch of `${BASE62}_`) {
        if (ch === credential[at]) continue;
        const mutated = credential.slice(0, at) + ch + credential.slice(at + 1);
        expect(parseCredential(mutated, 'sk_live').valid, mutated).toBe(false);
        expect(parseCredential(mutated).valid, mutated).toBe(false);
        checked++;
      }
    }
    expect(checked).toBe(credential.length * 62);
  });

  it('reports why a string is malformed', () => {
    const { credential } = generateCredential('sk');
    const body = credential.slice(3);
    const reason = (input: unknown, prefix?: string) => {
      const parsed = parseCredential(input, prefix);
      return parsed.valid ? 'valid' : parsed.reason;
    };
    expect(reason(42)).toBe('not a string');
    expect(reason('x'.repeat(256))).toBe('too long');
    expect(reason(credential.slice(0, 49))).toBe('too short');
    expect(reason(`skx${body}`)).toBe('missing separator');
    expect(reason(credential, 'pk')).toBe('wrong prefix');
    expect(reason(`SK_${body}`)).toBe('wrong prefix');
    expect(reason(`sk_${body.slice(0, 20)}-${body.slice(21)}`)).toBe('invalid character');
    expect(reason(`sk_${body.slice(0, -1)}${body.endsWith('0') ? '1' : '0'}`)).toBe('bad checksum');
  });

  it('rejects wrong prefixes, also prefixes that share a stem (parsed from the right)', () => {
    const live = generateCredential('sk_live').credential;
    const plain = generateCredential('sk').credential;
    expect(parseCredential(live, 'sk_live').valid).toBe(true);
    expect(parseCredential(live, 'sk')).toMatchObject({ valid: false, code: 'MALFORMED', reason: 'wrong prefix' });
    expect(parseCredential(live, 'live')).toMatchObject({ valid: false, reason: 'wrong prefix' });
    expect(parseCredential(plain, 'sk_live')).toMatchObject({ valid: false, reason: 'wrong prefix' });
    expect(parseCredential(generateCredential('rst').credential, 'sk')).toMatchObject({ valid: false, reason: 'wrong prefix' });
  });

  it('rejects anything over 255 characters, even with a consistent checksum', () => {
    const head = `${'a'.repeat(207)}_${randomBase62(42)}`;
    const long = head + checksum(head);
    expect(long).toHaveLength(256);
    expect(parseCredential(long)).toEqual({ valid: false, code: 'MALFORMED', reason: 'too long' });
    expect(parseCredential(`${generateCredential('sk').credential}${'x'.repeat(300)}`, 'sk')).toMatchObject({
      reason: 'too long',
    });
    expect(parseCredential('y'.repeat(1_000_000))).toMatchObject({ valid: false, reason: 'too long' });
  });

  it.each([undefined, null, 42, true, {}, [], Symbol('k'), () => 'sk_x'])('rejects the non-string %s', (input) => {
    expect(parseCredential(input)).toEqual({ valid: false, code: 'MALFORMED', reason: 'not a string' });
  });

  it('rejects a Buffer or String object holding a valid credential (only primitive strings parse)', () => {
    const { credential } = generateCredential('sk');
    expect(parseCredential(Buffer.from(credential))).toMatchObject({ valid: false, reason: 'not a string' });
    expect(parseCredential(new String(credential))).toMatchObject({ valid: false, reason: 'not a string' });
  });

  it('isValidPrefix', () => {
    for (const ok of ['sk', 'sk_live', 'a1_b2_c3', 'rst', 'a', 'a'.repeat(16), 'x9']) expect(isValidPrefix(ok), ok).toBe(true);
    for (const bad of ['', 'SK', 'sk-live', '_sk', 'sk_', 'sk__live', '1sk', 'a'.repeat(17), 'sk live', 'ск']) {
      expect(isValidPrefix(bad), bad).toBe(false);
    }
    expect(isValidPrefix(42 as unknown as string)).toBe(false);
  });
});

describe('credential entropy and uniqueness', () => {
  it('the secret part carries >= 128 bits: 32 base62 characters = 190.5 bits', () => {
    const bits = SECRET_LENGTH * Math.log2(62);
    expect(bits).toBeGreaterThanOrEqual(128);
    expect(bits).toBeCloseTo(190.53, 2);
    // The secret really is 32 independent characters: no two credentials share one.
    const secrets = new Set<string>();
    for (let i = 0; i < 10_000; i++) secrets.add(generateCredential('sk').credential.slice(13, 45));
    expect(secrets.size).toBe(10_000);
  });

  /** Frequencies of the 62 symbols over the id+secret parts of `count` credentials from `mint`. */
  function symbolUniformity(mint: () => string, count: number): UniformityVerdict {
    let body = '';
    let at = 0;
    return uniformity(62, count * 42, () => {
      if (at === body.length) {
        const credential = mint();
        body = credential.slice(credential.length - 48, credential.length - CHECK_LENGTH);
        at = 0;
      }
      return BASE62.indexOf(body[at++]!);
    });
  }

  it('all 62 symbols appear with uniform frequency in ids and secrets (chi-square over 126k characters); byte % 62 is rejected', () => {
    const ours = symbolUniformity(() => generateCredential('sk').credential, 3000);
    expect(ours.uniform, `statistic ${ours.statistic} > critical ${ours.critical}`).toBe(true);
    const bytes = new ByteSource();
    const biased = () => {
      let s = '';
      for (let i = 0; i < 42; i++) s += BASE62[bytes.byte() % 62];
      return `sk_${s}${checksum(`sk_${s}`)}`;
    };
    expect(symbolUniformity(biased, 3000).uniform).toBe(false);
  });

  it('ids are unique over 100k mints', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 100_000; i++) ids.add(generateCredential('sk').id);
    expect(ids.size).toBe(100_000);
  });
});

describe('malformed input never reaches the store', () => {
  it('property: a mutated key, token or code is MALFORMED with zero store calls, for every manager entry point', async () => {
    const store = new InstrumentedStore(new MemoryStore({ sweepIntervalMs: 0 }));
    const apiKeys = new ApiKeys({ store, secret: TEST_SECRET, prefix: 'sk_live' });
    const resets = new ResetTokens({ store, secret: TEST_SECRET });
    const invites = new Invitations({ store, secret: TEST_SECRET, prefix: 'a1_b2_c3' });
    const { key } = await apiKeys.create({ ownerId: 'owner' });
    const { token } = await resets.issue('user');
    const { code } = await invites.create({ createdBy: 'admin', maxUses: 1000 });
    await fc.assert(
      fc.asyncProperty(mutationArb, async (m) => {
        store.reset();
        expect(await apiKeys.verify(mutate(key, m))).toEqual({ valid: false, code: 'MALFORMED' });
        expect(await resets.check(mutate(token, m))).toEqual({ valid: false, code: 'MALFORMED' });
        expect(await resets.consume(mutate(token, m))).toEqual({ valid: false, code: 'MALFORMED' });
        expect(await invites.check(mutate(code, m))).toEqual({ valid: false, code: 'MALFORMED' });
        expect(await invites.redeem(mutate(code, m), { userId: 'u' })).toEqual({ valid: false, code: 'MALFORMED' });
        expect(store.total()).toBe(0);
      }),
      { numRuns: 500 },
    );
    // The originals still work: the property was not vacuous.
    expect((await apiKeys.verify(key)).valid).toBe(true);
    expect((await resets.check(token)).valid).toBe(true);
    expect((await invites.check(code)).valid).toBe(true);
  });

  it('wrong prefix, > 255 characters and non-strings: MALFORMED with zero store calls', async () => {
    const store = new InstrumentedStore(new MemoryStore({ sweepIntervalMs: 0 }));
    const apiKeys = new ApiKeys({ store, secret: TEST_SECRET });
    const other = new ApiKeys({ store, secret: TEST_SECRET, prefix: 'pk' });
    const { key } = await other.create({ ownerId: 'o' });
    store.reset();
    for (const input of [key, `${key}${'x'.repeat(250)}`, undefined, null, 7, {}, [key], Buffer.from(key)]) {
      expect(await apiKeys.verify(input)).toEqual({ valid: false, code: 'MALFORMED' });
    }
    expect(store.total()).toBe(0);
    expect((await other.verify(key)).valid).toBe(true);
  });
});
