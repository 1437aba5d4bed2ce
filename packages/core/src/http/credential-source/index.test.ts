import { describe, expect, it } from 'vitest';
import { neutralRequest } from '../testing/neutral-request.js';
import { compileSources } from './index.js';

describe('compileSources', () => {
  it('reads Bearer tokens (any case, trimmed) and ignores other schemes', () => {
    const extract = compileSources(['authorization']);
    expect(extract(neutralRequest({ headers: { authorization: 'Bearer sk_abc' } }))).toBe('sk_abc');
    expect(extract(neutralRequest({ headers: { authorization: 'BEARER   sk_abc  ' } }))).toBe('sk_abc');
    expect(extract(neutralRequest({ headers: { authorization: 'Bearer' } }))).toBe('');
    expect(extract(neutralRequest({ headers: { authorization: 'Bearer ' } }))).toBe('');
    expect(extract(neutralRequest({ headers: { authorization: 'Bearer   sk_abc ' } }))).toBe('sk_abc');
    expect(extract(neutralRequest({ headers: { authorization: 'bearer sk_abc' } }))).toBe('sk_abc');
    expect(extract(neutralRequest({ headers: { authorization: 'Basic abc' } }))).toBeUndefined();
    expect(extract(neutralRequest({ headers: { authorization: 'Bearersk_abc' } }))).toBeUndefined();
    expect(extract(neutralRequest())).toBeUndefined();
  });

  it('tries sources in order; duplicates are presented-but-unusable', () => {
    const extract = compileSources(['x-api-key', 'cookie:api_key', 'query:key']);
    expect(extract(neutralRequest({ headers: { 'x-api-key': ' a ' }, query: 'key=b' }))).toBe('a');
    expect(extract(neutralRequest({ headers: { cookie: 'x=1; api_key=c' }, query: 'key=b' }))).toBe('c');
    expect(extract(neutralRequest({ headers: { cookie: 'x=1' }, query: 'key=b' }))).toBe('b');
    expect(extract(neutralRequest({ query: 'key=b&key=c' }))).toBe('');
    expect(extract(neutralRequest({ query: 'other=1' }))).toBeUndefined();
  });

  it('rejects unusable configurations', () => {
    expect(() => compileSources([])).toThrow(/non-empty/);
    expect(() => compileSources(['cookie:'])).toThrow(/unknown credential source/);
    expect(() => compileSources(['body:key'])).toThrow(/unknown credential source/);
    expect(() => compileSources(['x api key'])).toThrow(/not a valid header name/);
  });
});
