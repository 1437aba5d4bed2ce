import { describe, expect, it } from 'vitest';
import { json, problem, retryAfter, seeOther, storeUnavailable } from './index.js';

describe('responses', () => {
  it('problem(): RFC 9457 fields, problem+json, no-store, exact Content-Length', () => {
    const res = problem({ status: 401, code: 'INVALID_TOKEN', detail: 'nope', headers: { 'www-authenticate': 'Bearer realm="api"' } });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toEqual({
      type: 'urn:tokenkit:problem:invalid-token',
      title: 'Unauthorized',
      status: 401,
      code: 'INVALID_TOKEN',
      detail: 'nope',
    });
    expect(res.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
      'www-authenticate': 'Bearer realm="api"',
      'content-length': String(Buffer.byteLength(res.body)),
    });
  });

  it('json() counts bytes, not characters; seeOther() has an empty body and a Location', () => {
    const res = json(200, { name: 'Zoë' });
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength('{"name":"Zoë"}')));
    const redirect = seeOther('/next', {}, ['a=b']);
    expect(redirect).toMatchObject({ status: 303, body: '', cookies: ['a=b'], headers: { location: '/next', 'content-length': '0' } });
  });

  it('retryAfter(): whole seconds, rounded up, at least 1', () => {
    expect(retryAfter(1)).toBe('1');
    expect(retryAfter(1000)).toBe('1');
    expect(retryAfter(1001)).toBe('2');
    expect(retryAfter(0)).toBe('1');
    expect(retryAfter(undefined)).toBe('1');
    expect(retryAfter(Number.NaN)).toBe('1');
    expect(storeUnavailable(2500).headers['retry-after']).toBe('3');
  });
});
