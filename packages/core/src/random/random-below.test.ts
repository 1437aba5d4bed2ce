import { describe, expect, it } from 'vitest';
import { ByteSource } from '../test-utils/byte-source.js';
import { type UniformityVerdict, uniformity } from '../test-utils/stats.js';
import { choice, randomBelow } from './index.js';

const DRAWS = 200_000;
const bytes = new ByteSource();

/** The one uniformity test every randomBelow-like function goes through. */
function belowUniformity(n: number, below: (n: number) => number): UniformityVerdict {
  return uniformity(n, DRAWS, () => below(n));
}

/** For n too large to bin directly: 100 equal-width buckets of [0, n). */
function bucketedUniformity(n: number, below: (n: number) => number): UniformityVerdict {
  const width = n / 100;
  return uniformity(100, DRAWS, () => Math.floor(below(n) / width));
}

// Deliberately wrong implementations the test must reject.
const moduloByte = (n: number) => bytes.byte() % n;
const scaledByte = (n: number) => Math.floor((bytes.byte() * n) / 256);
const moduloUint32 = (n: number) => bytes.uint32() % n;

describe('randomBelow', () => {
  it('returns integers in [0, n) for small, byte-boundary and 32-bit bounds', () => {
    for (const n of [1, 2, 3, 62, 255, 256, 257, 1000, 65_537, 2 ** 31, 2 ** 32 - 1, 2 ** 32]) {
      const outside: number[] = [];
      for (let i = 0; i < 2000; i++) {
        const x = randomBelow(n);
        if (!Number.isInteger(x) || x < 0 || x >= n) outside.push(x);
      }
      expect(outside, `n = ${n}`).toEqual([]);
    }
    expect(randomBelow(1)).toBe(0);
  });

  it('reaches every value of a small range', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 5000; i++) seen.add(randomBelow(7));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('uses the upper half of the 32-bit range too (no truncation to 31 bits)', () => {
    let high = 0;
    for (let i = 0; i < 1000; i++) if (randomBelow(2 ** 32) >= 2 ** 31) high++;
    // Binomial(1000, 1/2): 350..650 is more than 9 standard deviations wide.
    expect(high).toBeGreaterThan(350);
    expect(high).toBeLessThan(650);
  });

  it.each([
    [0, RangeError, 'randomBelow: n must be between 1 and 2^32, got 0'],
    [-5, RangeError, 'randomBelow: n must be between 1 and 2^32, got -5'],
    [2 ** 32 + 1, RangeError, 'randomBelow: n must be between 1 and 2^32, got 4294967297'],
    [1.5, TypeError, 'randomBelow: n must be an integer, got 1.5'],
    [Number.NaN, TypeError, 'randomBelow: n must be an integer, got NaN'],
    [Number.POSITIVE_INFINITY, TypeError, 'randomBelow: n must be an integer, got Infinity'],
    ['10', TypeError, 'randomBelow: n must be an integer, got 10'],
  ])('rejects %s with a clear error', (n, ErrorClass, message) => {
    expect(() => randomBelow(n as number)).toThrow(ErrorClass);
    expect(() => randomBelow(n as number)).toThrow(message);
  });

  describe(`chi-square uniformity over ${DRAWS} draws`, () => {
    // n = 200 and 100 are where `byte % n` is most visibly biased (256 % n = 56).
    it.each([200, 100, 62])('n = %i: ours is accepted, byte-modulo and byte-scaling are rejected', (n) => {
      const ours = belowUniformity(n, randomBelow);
      expect(ours.uniform, `statistic ${ours.statistic} > critical ${ours.critical}`).toBe(true);
      expect(belowUniformity(n, moduloByte).uniform).toBe(false);
      expect(belowUniformity(n, scaledByte).uniform).toBe(false);
    });

    it.each([2, 6, 255])('n = %i: accepted', (n) => {
      const ours = belowUniformity(n, randomBelow);
      expect(ours.uniform, `statistic ${ours.statistic} > critical ${ours.critical}`).toBe(true);
    });

    it('n = 1000 (the 32-bit path): accepted', () => {
      const ours = belowUniformity(1000, randomBelow);
      expect(ours.uniform, `statistic ${ours.statistic} > critical ${ours.critical}`).toBe(true);
    });

    it('n = 3 * 2^30: ours is accepted, uint32-modulo (values below 2^30 twice as likely) is rejected', () => {
      const n = 3 * 2 ** 30;
      const ours = bucketedUniformity(n, randomBelow);
      expect(ours.uniform, `statistic ${ours.statistic} > critical ${ours.critical}`).toBe(true);
      expect(bucketedUniformity(n, moduloUint32).uniform).toBe(false);
    });
  });
});

describe('choice', () => {
  it('returns an element of the array (by identity) and a character of a string', () => {
    const items = [{ a: 1 }, { b: 2 }, { c: 3 }];
    for (let i = 0; i < 100; i++) expect(items).toContain(choice(items));
    for (let i = 0; i < 100; i++) expect('xyz').toContain(choice('xyz'));
    expect(choice(['only'])).toBe('only');
    expect(choice(new Uint8Array([42]))).toBe(42);
  });

  it('is uniform over 200 items (chi-square, 200k draws); a byte-modulo choice is rejected', () => {
    const items = Array.from({ length: 200 }, (_, i) => i);
    const ours = uniformity(200, DRAWS, () => choice(items));
    expect(ours.uniform, `statistic ${ours.statistic} > critical ${ours.critical}`).toBe(true);
    const biasedChoice = <T>(list: ArrayLike<T>): T => list[bytes.byte() % list.length]!;
    expect(uniformity(200, DRAWS, () => biasedChoice(items)).uniform).toBe(false);
  });

  it('is uniform over the characters of a string', () => {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const ours = uniformity(alphabet.length, DRAWS, () => alphabet.indexOf(choice(alphabet)));
    expect(ours.uniform, `statistic ${ours.statistic} > critical ${ours.critical}`).toBe(true);
  });

  it('rejects empty and non-array-like input', () => {
    expect(() => choice([])).toThrow(RangeError);
    expect(() => choice([])).toThrow('choice: items must not be empty');
    expect(() => choice('')).toThrow(RangeError);
    expect(() => choice(null as unknown as string[])).toThrow(TypeError);
    expect(() => choice(42 as unknown as string[])).toThrow('choice: items must be an array or array-like');
    expect(() => choice({} as unknown as string[])).toThrow(RangeError);
  });
});
