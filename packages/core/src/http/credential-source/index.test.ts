import { describe, expect, it } from 'vitest';
import { neutralRequest } from '../testing/neutral-request.js';
import { challengeScheme, compileSources, describeSources } from './index.js';

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

  it("reads 'authorization:<Scheme>' case-insensitively, only for that scheme", () => {
    const extract = compileSources(['authorization:Api-Key', 'authorization:token']);
    expect(extract(neutralRequest({ headers: { authorization: 'Api-Key sk_abc' } }))).toBe('sk_abc');
    expect(extract(neutralRequest({ headers: { authorization: 'API-KEY   sk_abc ' } }))).toBe('sk_abc');
    expect(extract(neutralRequest({ headers: { authorization: 'Token sk_abc' } }))).toBe('sk_abc');
    expect(extract(neutralRequest({ headers: { authorization: 'Token' } }))).toBe('');
    expect(extract(neutralRequest({ headers: { authorization: 'Tokens sk_abc' } }))).toBeUndefined();
    expect(extract(neutralRequest({ headers: { authorization: 'Bearer sk_abc' } }))).toBeUndefined();
    // 'authorization:Bearer' is the same as 'authorization'.
    expect(compileSources(['authorization:bearer'])(neutralRequest({ headers: { authorization: 'Bearer sk_abc' } }))).toBe('sk_abc');
    // Regex metacharacters allowed in a scheme token are matched literally.
    const dotted = compileSources(['authorization:a.b']);
    expect(dotted(neutralRequest({ headers: { authorization: 'a.b sk_abc' } }))).toBe('sk_abc');
    expect(dotted(neutralRequest({ headers: { authorization: 'axb sk_abc' } }))).toBeUndefined();
  });

  it('function sources get the native request; null/undefined/non-strings mean "not here"', () => {
    const seen: unknown[] = [];
    const extract = compileSources<{ key?: unknown }>([
      (native) => {
        seen.push(native);
        return typeof native.key === 'string' ? native.key : null;
      },
      'x-api-key',
    ]);
    const request = (native: { key?: unknown }, headers = {}) => ({ ...neutralRequest({ headers }), native });
    expect(extract(request({ key: ' sk_fn ' }))).toBe('sk_fn');
    expect(extract(request({}, { 'x-api-key': 'sk_header' }))).toBe('sk_header');
    expect(extract(request({ key: 42 }))).toBeUndefined();
    expect(seen).toHaveLength(3);
  });

  it('describes the configured sources for the 401 detail, and picks the challenge scheme', () => {
    expect(describeSources(['authorization', 'x-api-key'])).toBe('Authorization: Bearer <key> or X-Api-Key: <key>');
    expect(describeSources(['query:api_key'])).toBe('the query parameter api_key');
    expect(describeSources(['cookie:k', 'authorization:Token', () => null])).toBe(
      'the cookie k, Authorization: Token <key> or the app-defined source',
    );
    expect(challengeScheme(['x-api-key'])).toBe('Bearer');
    expect(challengeScheme(['query:k', 'authorization:Api-Key', 'authorization'])).toBe('Api-Key');
  });

  it('rejects unusable new-style sources', () => {
    expect(() => compileSources(['authorization:'])).toThrow(/unknown credential source/);
    expect(() => compileSources(['authorization:Api Key'])).toThrow(/unknown credential source/);
    expect(() => compileSources([42 as unknown as string])).toThrow(/string or a function/);
  });
});
