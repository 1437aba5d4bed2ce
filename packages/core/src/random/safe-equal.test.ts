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

  it('always runs crypto.timingSafeEqual over the full length of `a` — also when the lengths differ', () => {
    expect(safeEqual('0123456789', '0123456789')).toBe(true);
    expect(safeEqual('0123456789', '0')).toBe(false);
    expect(safeEqual('0123456789', '0123456789abcdef')).toBe(false);
    expect(safeEqual('0123456789', 'x123456789')).toBe(false);
    // Every call compared 10 bytes: the work depends on `a` only, never on `b` or on where they differ.
    expect(spy.calls).toEqual([
      [10, 10],
      [10, 10],
      [10, 10],
      [10, 10],
    ]);
  });
});
