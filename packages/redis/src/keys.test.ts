import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeNamespace, encodeTagPart, KeyLayout, RECENT_RECORD_KEYS } from './keys.js';

/** The part of a key Redis Cluster hashes: the first `{…}` with non-empty content, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

describe('key layout', () => {
  it('escapes only what would break a tag, and the empty string', () => {
    expect(encodeTagPart('AbC123xyz0')).toBe('AbC123xyz0');
    expect(encodeTagPart('a{b}c')).toBe('a%7Bb%7Dc');
    expect(encodeTagPart('100%')).toBe('100%25');
    expect(encodeTagPart('')).toBe('%');
    expect(encodeNamespace('throttle:ip')).toBe('throttle%3Aip');
    expect(encodeNamespace('key')).toBe('key');
  });

  it('encoding is injective and never contains braces', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const ea = encodeTagPart(a);
        expect(/[{}]/.test(ea)).toBe(false);
        if (a !== b) expect(ea).not.toBe(encodeTagPart(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('a record and its rate-limit counter share one non-empty hash tag built from the id, never from the prefix', () => {
    const keys = new KeyLayout('tokenkit:');
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), (id, ns) => {
        const record = keys.record(ns, id);
        expect(hashTag(record)).toBe(encodeTagPart(id));
        expect(hashTag(keys.rateLimit(record))).toBe(hashTag(record));
        expect(hashTag(keys.window(ns, id))).toBe(encodeTagPart(id));
        expect(hashTag(keys.index(ns, id))).toBe(encodeTagPart(id));
      }),
      { numRuns: 2000 },
    );
  });

  it('record, window and index keys of any namespaces never collide', () => {
    const keys = new KeyLayout('p:');
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (ns1, a, ns2, b) => {
        expect(keys.record(ns1, a)).not.toBe(keys.window(ns2, b));
        expect(keys.record(ns1, a)).not.toBe(keys.index(ns2, b));
        expect(keys.window(ns1, a)).not.toBe(keys.index(ns2, b));
        if (ns1 !== ns2 || a !== b) expect(keys.record(ns1, a)).not.toBe(keys.record(ns2, b));
      }),
      { numRuns: 2000 },
    );
  });

  it('recentRecord is record() for any namespace and id, before and after its memo drops them', () => {
    const keys = new KeyLayout('app:');
    fc.assert(
      fc.property(fc.constantFrom('key', 'rst', 'inv', 'a:b{c}%'), fc.string(), (ns, id) => {
        expect(keys.recentRecord(ns, id)).toBe(keys.record(ns, id));
        expect(keys.recentRecord(ns, id)).toBe(keys.record(ns, id));
      }),
    );
    // One id more than the memo holds: the first ids are dropped and built anew, still right.
    for (let i = 0; i <= RECENT_RECORD_KEYS; i++) keys.recentRecord('key', `id${i}`);
    for (const i of [0, 1, RECENT_RECORD_KEYS]) expect(keys.recentRecord('key', `id${i}`)).toBe(`app:key:{id${i}}`);
    expect(keys.recentRecord('inv', 'id0')).toBe('app:inv:{id0}');
  });

  it('matches the documented layout', () => {
    const keys = new KeyLayout('tokenkit:');
    const record = keys.record('inv', 'AbCdEf0123');
    expect(record).toBe('tokenkit:inv:{AbCdEf0123}');
    expect(keys.rateLimit(record)).toBe('tokenkit:inv:{AbCdEf0123}:rl');
    expect(keys.window('throttle:ip', '203.0.113.7')).toBe('tokenkit:w:throttle%3Aip:{203.0.113.7}');
    expect(keys.index('key', 'user_1')).toBe('tokenkit:ix:key:{user_1}');
  });
});
