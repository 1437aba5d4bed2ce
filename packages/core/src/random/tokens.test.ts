import { describe, expect, it } from 'vitest';
import { uniformity } from '../test-utils/stats.js';
import { tokenBytes, tokenHex, tokenUrlsafe } from './index.js';

const MiB = 1024 * 1024;

describe('tokenBytes', () => {
  it('returns a fresh Uint8Array of the requested length (default 32)', () => {
    expect(tokenBytes()).toBeInstanceOf(Uint8Array);
    expect(tokenBytes().length).toBe(32);
    for (const n of [1, 16, 33, 4096, 4097, 65_536]) expect(tokenBytes(n).length).toBe(n);
    expect(tokenBytes(MiB).length).toBe(MiB);
  });

  it('never hands out the same bytes twice and is not a view that a later draw overwrites', () => {
    const a = tokenBytes(32);
    const snapshot = Uint8Array.from(a);
    // Draw far more than the 32 KiB pool so it refills several times.
    for (let i = 0; i < 40; i++) tokenHex(4096);
    expect(a).toEqual(snapshot);
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) seen.add(Buffer.from(tokenBytes(16)).toString('hex'));
    expect(seen.size).toBe(10_000);
  });

  it('owns its memory: .buffer is exactly n bytes and reaches no other caller\'s bytes', () => {
    for (const n of [1, 16, 32, 4096, 4097, 65_536]) {
      const bytes = tokenBytes(n);
      expect(bytes.byteOffset).toBe(0);
      expect(bytes.buffer.byteLength).toBe(n);
    }
    // Another caller's secret, allocated around ours in Node's small-Buffer pool.
    const marker = 'other-callers-secret-0123456789';
    const before = Buffer.from(marker);
    const mine = tokenBytes(32);
    const after = Buffer.from(marker);
    const whole = Buffer.from(mine.buffer);
    expect(whole.includes(before)).toBe(false);
    expect(whole.includes(after)).toBe(false);
    // And a later token is not reachable through an earlier one.
    const next = tokenBytes(32);
    expect(whole.includes(Buffer.from(next))).toBe(false);
  });

  it('bytes are uniform over 0..255 (chi-square, 256k bytes)', () => {
    const bytes = tokenBytes(256 * 1024);
    let i = 0;
    const verdict = uniformity(256, bytes.length, () => bytes[i++]!);
    expect(verdict.uniform, `statistic ${verdict.statistic} > critical ${verdict.critical}`).toBe(true);
  });
});

describe('tokenHex', () => {
  it('gives 2 * nbytes lowercase hex characters (default 64)', () => {
    expect(tokenHex()).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenHex(1)).toMatch(/^[0-9a-f]{2}$/);
    expect(tokenHex(16)).toMatch(/^[0-9a-f]{32}$/);
    expect(tokenHex(5000)).toMatch(/^[0-9a-f]{10000}$/);
  });

  it('uses all 16 digits', () => {
    expect(new Set(tokenHex(1000)).size).toBe(16);
  });
});

describe('tokenUrlsafe', () => {
  it('32 bytes -> 43 base64url characters without padding', () => {
    const token = tokenUrlsafe();
    expect(token).toHaveLength(43);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(token).not.toContain('=');
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it.each([
    [1, 2],
    [2, 3],
    [3, 4],
    [16, 22],
    [32, 43],
    [48, 64],
    [5000, 6667],
  ])('%i bytes -> %i characters that decode back to as many bytes', (nbytes, chars) => {
    const token = tokenUrlsafe(nbytes);
    expect(token).toHaveLength(chars);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(nbytes);
  });

  it('uses all 64 characters of the base64url alphabet, and tokens do not repeat', () => {
    const seen = new Set<string>();
    const chars = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const token = tokenUrlsafe();
      seen.add(token);
      for (const ch of token) chars.add(ch);
    }
    expect(seen.size).toBe(10_000);
    expect(chars.size).toBe(64);
  });
});

describe('argument errors (every generator)', () => {
  const generators = { tokenBytes, tokenHex, tokenUrlsafe } as const;
  for (const [name, fn] of Object.entries(generators)) {
    const call = fn as (n: unknown) => unknown;
    it(`${name} rejects negative, zero, non-integer, non-number and > 1 MiB sizes`, () => {
      expect(() => call(0)).toThrow(RangeError);
      expect(() => call(-1)).toThrow(new RangeError(`${name}: nbytes must be between 1 and ${MiB} (1 MiB), got -1`));
      expect(() => call(MiB + 1)).toThrow(
        new RangeError(`${name}: nbytes must be between 1 and ${MiB} (1 MiB), got ${MiB + 1}`),
      );
      expect(() => call(1.5)).toThrow(new TypeError(`${name}: nbytes must be an integer, got 1.5`));
      expect(() => call(Number.NaN)).toThrow(TypeError);
      expect(() => call('32')).toThrow(TypeError);
      expect(() => call(null)).toThrow(TypeError);
      expect(() => call(MiB)).not.toThrow();
    });
  }
});
