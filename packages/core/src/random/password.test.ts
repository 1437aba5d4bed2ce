import { describe, expect, it } from 'vitest';
import { ByteSource } from '../test-utils/byte-source.js';
import { type UniformityVerdict, chiSquareStatistic, uniformity, verdict } from '../test-utils/stats.js';
import { type CharacterClass, DEFAULT_PASSWORD_ALPHABET, password, randomBelow } from './index.js';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGIT = '0123456789';
const SYMBOL = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const CLASS_CHARS = [UPPER, LOWER, DIGIT, SYMBOL] as const;
const DRAWS = 100_000;

const CLASS_BY_CODE = new Int8Array(128).fill(-1);
CLASS_CHARS.forEach((members, cls) => {
  for (const ch of members) CLASS_BY_CODE[ch.charCodeAt(0)] = cls;
});

function classOf(ch: string): number {
  return CLASS_BY_CODE[ch.charCodeAt(0)] ?? -1;
}

/**
 * Position uniformity of the default password (length 20, all four classes
 * required). After a correct Fisher–Yates shuffle every position has the same
 * class distribution: P(class c) = (1 + 16 * |c| / 94) / 20 (one forced
 * member plus 16 uniform draws over 94 characters, spread over 20 places).
 * Required characters clustering at the front (no shuffle, a biased
 * shuffle) shows up as a position-dependent class distribution.
 */
function positionUniformity(generate: () => string, length = 20): UniformityVerdict {
  const counts = Array.from({ length }, () => new Float64Array(4));
  for (let i = 0; i < DRAWS; i++) {
    const pw = generate();
    for (let p = 0; p < length; p++) counts[p]![CLASS_BY_CODE[pw.charCodeAt(p)]!]!++;
  }
  const free = length - CLASS_CHARS.length;
  const expected = CLASS_CHARS.map((members) => (DRAWS * (1 + (free * members.length) / 94)) / length);
  let statistic = 0;
  for (const row of counts) statistic += chiSquareStatistic(row, expected);
  return verdict(statistic, length * (CLASS_CHARS.length - 1));
}

/** Same picks as `password()`: one member of each class, then uniform fill — with a pluggable shuffle. */
function referencePassword(shuffle: (chars: string[]) => string[]): () => string {
  return () => {
    const chars = CLASS_CHARS.map((members) => members[randomBelow(members.length)]!);
    while (chars.length < 20) chars.push(DEFAULT_PASSWORD_ALPHABET[randomBelow(94)]!);
    return shuffle(chars).join('');
  };
}

describe('password', () => {
  it('defaults: 20 characters from letters, digits and the 32 ASCII punctuation characters', () => {
    expect(DEFAULT_PASSWORD_ALPHABET).toBe(UPPER + LOWER + DIGIT + SYMBOL);
    expect(DEFAULT_PASSWORD_ALPHABET).toHaveLength(94);
    for (let i = 0; i < 200; i++) {
      const pw = password();
      expect(pw).toHaveLength(20);
      for (const ch of pw) expect(DEFAULT_PASSWORD_ALPHABET).toContain(ch);
    }
  });

  it('honours length, from 1 (with require: []) to 1 MiB', () => {
    expect(password({ length: 4 })).toHaveLength(4);
    expect(password({ length: 64 })).toHaveLength(64);
    expect(password({ length: 1, require: [] })).toHaveLength(1);
    expect(password({ length: 1024 * 1024, require: [] })).toHaveLength(1024 * 1024);
  });

  it('every required class is present in every password, even at the minimum length', () => {
    const failures: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const pw = password({ length: 4 });
      if (Array.from(pw, classOf).sort().join() !== '0,1,2,3') failures.push(pw);
      const pair = password({ length: 2, require: ['digit', 'symbol'] });
      if (Array.from(pair, classOf).sort().join() !== '2,3') failures.push(pair);
      const full = password();
      if (new Set(Array.from(full, classOf)).size !== 4) failures.push(full);
    }
    expect(failures).toEqual([]);
  });

  it('default require = every class the alphabet has (a custom alphabet never throws by default)', () => {
    for (let i = 0; i < 1000; i++) {
      // Length 2 over 'abc123': exactly one lower-case letter and one digit, in either order.
      const pw = password({ length: 2, alphabet: 'abc123' });
      expect(Array.from(pw, classOf).sort()).toEqual([1, 2]);
    }
    expect(password({ alphabet: 'xyz' })).toMatch(/^[xyz]{20}$/);
  });

  it('exclude removes characters from the alphabet and from the required pools', () => {
    const ambiguous = 'Il1O0';
    for (let i = 0; i < 2000; i++) {
      const pw = password({ exclude: ambiguous });
      for (const ch of ambiguous) expect(pw).not.toContain(ch);
    }
    for (let i = 0; i < 500; i++) expect(password({ length: 4, alphabet: '0123456789', exclude: '012345678' })).toBe('9999');
    // Excluding a whole class drops it from the default requirement instead of throwing.
    for (let i = 0; i < 500; i++) {
      const pw = password({ length: 3, exclude: DIGIT });
      expect(Array.from(pw, classOf).sort()).toEqual([0, 1, 3]);
    }
  });

  it('duplicate characters in the alphabet do not weigh more', () => {
    const verdictDup = uniformity(2, DRAWS, () => (password({ length: 1, alphabet: 'aaaaaaab', require: [] }) === 'a' ? 0 : 1));
    expect(verdictDup.uniform, `statistic ${verdictDup.statistic}`).toBe(true);
  });

  it('require: [] draws every character uniformly over the alphabet (chi-square); a byte-modulo draw is rejected', () => {
    const alphabet = DEFAULT_PASSWORD_ALPHABET;
    let pw = '';
    let at = 0;
    const ours = uniformity(94, DRAWS * 2, () => {
      if (at === pw.length) {
        pw = password({ require: [] });
        at = 0;
      }
      return alphabet.indexOf(pw[at++]!);
    });
    expect(ours.uniform, `statistic ${ours.statistic} > critical ${ours.critical}`).toBe(true);
    // 256 % 94 = 68: the first 68 characters are 1.5x as likely.
    const bytes = new ByteSource();
    expect(uniformity(94, DRAWS * 2, () => bytes.byte() % 94).uniform).toBe(false);
  });

  it('each required class member is uniform within its class', () => {
    // With alphabet = digits only and length 1, the one character is the required digit.
    const ours = uniformity(10, DRAWS, () => Number(password({ length: 1, alphabet: DIGIT })));
    expect(ours.uniform, `statistic ${ours.statistic} > critical ${ours.critical}`).toBe(true);
  });

  it('positions are uniform after the Fisher–Yates shuffle; no shuffle, a random-comparator sort and a naive swap-anywhere shuffle are rejected', () => {
    const ours = positionUniformity(() => password());
    expect(ours.uniform, `statistic ${ours.statistic} > critical ${ours.critical}`).toBe(true);

    const unshuffled = positionUniformity(referencePassword((chars) => chars));
    expect(unshuffled.uniform).toBe(false);
    const comparatorSort = positionUniformity(referencePassword((chars) => chars.sort(() => randomBelow(2) - 0.5)));
    expect(comparatorSort.uniform).toBe(false);
    const naiveSwap = positionUniformity(
      referencePassword((chars) => {
        for (let j = 0; j < chars.length; j++) {
          const k = randomBelow(chars.length);
          [chars[j], chars[k]] = [chars[k]!, chars[j]!];
        }
        return chars;
      }),
    );
    expect(naiveSwap.uniform).toBe(false);
  });

  describe('argument errors', () => {
    it.each([
      [{ length: 0 }, RangeError, 'password: length must be between 1 and 1048576, got 0'],
      [{ length: -3 }, RangeError, 'password: length must be between 1 and 1048576, got -3'],
      [{ length: 1024 * 1024 + 1 }, RangeError, 'password: length must be between 1 and 1048576, got 1048577'],
      [{ length: 12.5 }, TypeError, 'password: length must be an integer, got 12.5'],
      [{ length: '12' }, TypeError, 'password: length must be an integer, got 12'],
      [{ alphabet: '' }, RangeError, 'password: the alphabet is empty (after removing `exclude`)'],
      [{ alphabet: 'abc', exclude: 'cba' }, RangeError, 'password: the alphabet is empty (after removing `exclude`)'],
      [{ alphabet: 42 }, TypeError, 'password: alphabet must be a string'],
      [{ length: 3 }, RangeError, 'password: length 3 is smaller than the 4 required classes'],
      [{ length: 1, require: ['upper', 'digit'] }, RangeError, 'password: length 1 is smaller than the 2 required classes'],
      [{ alphabet: 'abc', require: ['digit'] }, RangeError, "password: class 'digit' is required but the alphabet has none of its characters"],
      [{ exclude: DIGIT, require: ['digit'] }, RangeError, "password: class 'digit' is required but the alphabet has none of its characters"],
      [{ require: ['emoji'] }, TypeError, 'password: unknown class "emoji" (use upper, lower, digit, symbol)'],
      [{ require: ['constructor'] }, TypeError, 'password: unknown class "constructor" (use upper, lower, digit, symbol)'],
      [{ require: ['__proto__'] }, TypeError, 'password: unknown class "__proto__" (use upper, lower, digit, symbol)'],
      [{ require: 'upper' }, TypeError, 'password: require must be an array of classes'],
    ])('%j throws a clear error', (options, ErrorClass, message) => {
      const call = () => password(options as unknown as { require?: CharacterClass[] });
      expect(call).toThrow(ErrorClass);
      expect(call).toThrow(message);
    });
  });
});
