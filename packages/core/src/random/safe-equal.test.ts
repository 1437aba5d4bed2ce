import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const spy = vi.hoisted(() => ({ calls: [] as Array<[number, number]> }));

// Record every timingSafeEqual call (lengths only) while keeping the real one.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      spy.calls.push([a.byteLength, b.byteLength]);
      return actual.timingSafeEqual(a, b);
    },
  };
});

const { safeEqual } = await import('./safe-equal.js');

describe('safeEqual', () => {
  beforeEach(() => {
    spy.calls.length = 0;
  });

  it('equal and unequal strings of the same length', () => {
    expect(safeEqual('v1$abcdef', 'v1$abcdef')).toBe(true);
    expect(safeEqual('v1$abcdef', 'v1$abcdeg')).toBe(false);
    expect(safeEqual('v1$abcdef', 'x1$abcdef')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });

  it('different lengths are unequal, in either order, including a prefix of the other', () => {
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('abcd', 'abc')).toBe(false);
    expect(safeEqual('', 'a')).toBe(false);
    expect(safeEqual('a', '')).toBe(false);
  });

  it('compares strings with bytes by their UTF-8 encoding', () => {
    expect(safeEqual('abc', new Uint8Array([97, 98, 99]))).toBe(true);
    expect(safeEqual(new Uint8Array([97, 98, 99]), 'abc')).toBe(true);
    expect(safeEqual('é', new Uint8Array([0xc3, 0xa9]))).toBe(true);
    expect(safeEqual('é', 'e\u0301')).toBe(false);
    expect(safeEqual(Buffer.from('secret'), Buffer.from('secret'))).toBe(true);
    expect(safeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
  });

  it('rejects values that are neither strings nor Uint8Arrays', () => {
    expect(() => safeEqual(1 as unknown as string, 'a')).toThrow(TypeError);
    expect(() => safeEqual('a', null as unknown as string)).toThrow('safeEqual: arguments must be strings or Uint8Arrays');
  });

  it('two strings compare by code units: equal exactly when ===, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(safeEqual(a, b)).toBe(a === b);
        expect(safeEqual(a, a.slice())).toBe(true);
      }),
      { numRuns: 2000 },
    );
    // UTF-8 encoding would turn both into U+FFFD and call them equal.
    expect(safeEqual('\uD800', '\uD801')).toBe(false);
    expect(safeEqual('a\uDC00', 'a\uDC00')).toBe(true);
  });

  it('string comparison has no early exit: the time does not depend on where, or whether, the inputs differ', () => {
    // With an early exit (or ===) a difference at index 0 returns after one
    // step while one at the end walks 200k characters: a ratio in the
    // thousands. Without one, all four cases walk all of `a`.
    const n = 200_000;
    const a = 'a'.repeat(n);
    const cases = {
      differsFirst: `b${'a'.repeat(n - 1)}`,
      differsLast: `${'a'.repeat(n - 1)}b`,
      equal: 'a'.repeat(n),
      shorter: 'a',
    };
    const samples: Record<string, number[]> = { differsFirst: [], differsLast: [], equal: [], shorter: [] };
    for (let round = 0; round < 25; round++) {
      for (const [name, b] of Object.entries(cases)) {
        const started = process.hrtime.bigint();
        safeEqual(a, b);
        samples[name]!.push(Number(process.hrtime.bigint() - started));
      }
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const reference = median(samples.differsLast!);
    for (const name of ['differsFirst', 'equal', 'shorter']) {
      const ratio = median(samples[name]!) / reference;
      expect(ratio, `${name} vs differsLast`).toBeGreaterThan(0.3);
      expect(ratio, `${name} vs differsLast`).toBeLessThan(3);
    }
    expect(spy.calls).toEqual([]);
  });

  it('bytes: always runs crypto.timingSafeEqual over the full length of `a` — also when the lengths differ', () => {
    const a = Buffer.from('0123456789');
    expect(safeEqual(a, Buffer.from('0123456789'))).toBe(true);
    expect(safeEqual(a, '0')).toBe(false);
    expect(safeEqual(a, '0123456789abcdef')).toBe(false);
    expect(safeEqual(a, new Uint8Array(Buffer.from('x123456789')))).toBe(false);
    // Every call compared 10 bytes: the work depends on `a` only, never on `b` or on where they differ.
    expect(spy.calls).toEqual([
      [10, 10],
      [10, 10],
      [10, 10],
      [10, 10],
    ]);
  });
});
