import { describe, expect, it } from 'vitest';
import type { StoredRecord } from '../types.js';
import { flatten, MAX_TEMPLATES, ownCopy, templateCount } from './record-copy.js';

describe('ownCopy', () => {
  it('isolates nested values both ways: neither the writer nor a reader of the copy reaches the other', () => {
    const written = { id: 'k', hash: 'v1$h', expiresAt: null, scopes: ['read'], meta: { plan: { tier: 1 }, tags: [{ a: 1 }] } };
    const copy = ownCopy(written);
    written.scopes.push('write');
    written.meta.plan.tier = 2;
    (written.meta.tags[0] as { a: number }).a = 9;
    expect(copy).toEqual({ id: 'k', hash: 'v1$h', expiresAt: null, scopes: ['read'], meta: { plan: { tier: 1 }, tags: [{ a: 1 }] } });
    copy.scopes.push('admin');
    expect(written.scopes).toEqual(['read', 'write']);
    expect(copy.scopes).not.toBe(written.scopes);
    expect(copy.meta).not.toBe(written.meta);
  });

  it('keeps the field order, own data fields only and a plain prototype', () => {
    const written = { z: 1, id: 'k', hash: 'v1$h', expiresAt: 5, a: 'x', n: null };
    const copy = ownCopy(written as unknown as StoredRecord) as unknown as Record<string, unknown>;
    expect(Object.keys(copy)).toEqual(['z', 'id', 'hash', 'expiresAt', 'a', 'n']);
    expect(copy).toEqual(written);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    for (const key of Object.keys(copy)) expect(Object.getOwnPropertyDescriptor(copy, key)).toMatchObject({ writable: true, enumerable: true });
  });

  it('keeps top-level strings and numbers as they are', () => {
    const ownerId = `user-${'x'.repeat(40)}`;
    const written = { id: 'k', hash: 'v1$h', expiresAt: 1_700_000_000_000.5, ownerId };
    const copy = ownCopy(written);
    expect(copy.ownerId).toBe(ownerId);
    expect(copy.expiresAt).toBe(1_700_000_000_000.5);
  });

  it('writes a field named __proto__ as data, never through the prototype setter', () => {
    const written = JSON.parse('{"id":"p","hash":"v1$x","expiresAt":null,"__proto__":{"polluted":true}}') as StoredRecord;
    const copy = ownCopy(written) as unknown as Record<string, unknown>;
    expect(Object.keys(copy)).toEqual(['id', 'hash', 'expiresAt', '__proto__']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(copy['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('tells shapes apart by their field names, even ones that would collide when joined', () => {
    const a = ownCopy({ id: 'a', hash: 'v1$x', expiresAt: null, 'a\u0000b': 1 } as StoredRecord);
    const b = ownCopy({ id: 'b', hash: 'v1$x', expiresAt: null, a: 2, b: 3 } as StoredRecord);
    expect(Object.keys(a)).toEqual(['id', 'hash', 'expiresAt', 'a\u0000b']);
    expect(b).toEqual({ id: 'b', hash: 'v1$x', expiresAt: null, a: 2, b: 3 });
  });

  it('keeps a field set to undefined as an own field', () => {
    const copy = ownCopy({ id: 'u', hash: 'v1$x', expiresAt: null, note: undefined } as StoredRecord);
    expect(Object.keys(copy)).toEqual(['id', 'hash', 'expiresAt', 'note']);
    expect((copy as unknown as Record<string, unknown>)['note']).toBeUndefined();
  });

  it('caches a bounded number of shapes and still copies exactly beyond the bound', () => {
    for (let i = 0; i < MAX_TEMPLATES + 10; i++) {
      const written = { id: `s${i}`, hash: 'v1$x', expiresAt: null, [`field${i}`]: i } as StoredRecord;
      expect(ownCopy(written)).toEqual(written);
    }
    expect(templateCount()).toBeLessThanOrEqual(MAX_TEMPLATES);
  });
});

describe('flatten', () => {
  it('returns the same characters for strings, short or long (ropes included), and leaves other values alone', () => {
    const rope = `v1$${'d'.repeat(43)}`;
    expect(flatten(rope)).toBe(rope);
    expect(flatten('short')).toBe('short');
    expect(flatten('\u2028 "quoted" \\ \u0000 é 😀 and long enough')).toBe('\u2028 "quoted" \\ \u0000 é 😀 and long enough');
    expect(flatten(null)).toBeNull();
    expect(flatten(42)).toBe(42);
  });
});
