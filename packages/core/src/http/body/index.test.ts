import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { neutralRequest } from '../testing/neutral-request.js';
import { readBody, stringField } from './index.js';

const json = { 'content-type': 'application/json' };
const formType = { 'content-type': 'application/x-www-form-urlencoded' };

describe('readBody', () => {
  it('parses JSON objects and HTML forms from the stream', async () => {
    const a = await readBody(neutralRequest({ method: 'POST', headers: json, raw: '{"email":"a@b.c"}' }), 1024);
    expect(a).toEqual({ ok: true, fields: { email: 'a@b.c' } });
    const b = await readBody(neutralRequest({ method: 'POST', headers: formType, raw: 'email=a%40b.c&x=%E2%9C%93' }), 1024);
    expect(b.ok && { ...b.fields }).toEqual({ email: 'a@b.c', x: '✓' });
  });

  it('reuses a body an app parser already produced', async () => {
    const result = await readBody(neutralRequest({ method: 'POST', headers: json, parsed: { email: 'p@q.r' } }), 1024);
    expect(result).toEqual({ ok: true, fields: { email: 'p@q.r' } });
    await tick();
  });

  it('answers 400 for bad JSON, non-objects and non-UTF-8; 413 over the limit; 415 for other types', async () => {
    const cases: Array<[Record<string, string>, string | Buffer, number, string]> = [
      [json, '{"email":', 400, 'MALFORMED_BODY'],
      [json, '[1]', 400, 'MALFORMED_BODY'],
      [json, 'null', 400, 'MALFORMED_BODY'],
      [json, Buffer.from([0x7b, 0xff, 0x7d]), 400, 'MALFORMED_BODY'],
      [json, `{"a":"${'x'.repeat(200)}"}`, 413, 'PAYLOAD_TOO_LARGE'],
      [{ ...json, 'content-length': '5000' }, '{}', 413, 'PAYLOAD_TOO_LARGE'],
      [{ 'content-type': 'text/plain' }, 'hi', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [{ 'content-type': 'application/json; charset=latin1' }, '{}', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [{ 'content-length': '2' }, 'hi', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ];
    for (const [headers, raw, status, code] of cases) {
      const result = await readBody(neutralRequest({ method: 'POST', headers, raw }), 100);
      expect(result.ok, String(raw).slice(0, 20)).toBe(false);
      if (!result.ok) {
        expect(result.response.status).toBe(status);
        expect(JSON.parse(result.response.body)).toMatchObject({ status, code });
      }
    }
  });

  it('treats an empty body as no fields; keeps repeated form fields and __proto__ inert', async () => {
    const empty = await readBody(neutralRequest({ method: 'POST' }), 100);
    expect(empty.ok && Object.keys(empty.fields)).toEqual([]);
    const repeated = await readBody(neutralRequest({ method: 'POST', headers: formType, raw: 'a=1&a=2&__proto__=x' }), 100);
    expect(repeated.ok).toBe(true);
    if (repeated.ok) {
      expect(repeated.fields.a).toEqual(['1', '2']);
      expect(stringField(repeated.fields, 'a')).toBeNull();
      expect(stringField(repeated.fields, '__proto__')).toBe('x');
      expect(({} as Record<string, unknown>).x).toBeUndefined();
    }
  });
});

describe('stringField', () => {
  it('distinguishes absent/empty (undefined), strings, and other types (null)', () => {
    const fields = { s: 'v', e: '', n: 1, o: {}, a: ['v'] };
    expect(stringField(fields, 's')).toBe('v');
    expect(stringField(fields, 'e')).toBeUndefined();
    expect(stringField(fields, 'missing')).toBeUndefined();
    expect(stringField(fields, 'toString')).toBeUndefined();
    for (const name of ['n', 'o', 'a']) expect(stringField(fields, name)).toBeNull();
  });
});
