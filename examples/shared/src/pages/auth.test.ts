import { describe, expect, it } from 'vitest';
import { isLoopback } from '../web/loopback.js';
import { safeNext } from './auth.js';

const ORIGIN = 'http://localhost:3000';

describe('safeNext', () => {
  // Each of these reached a browser as a Location header that leaves the site (or could).
  it.each([
    '/\t/evil.example/phish',
    '/\n/evil.example',
    '/\r/evil.example',
    '/\u0000/evil.example',
    '/\u001f/evil.example',
    '/\u007f/evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '/\\/evil.example',
    '//evil.example',
    '///evil.example',
    '/.//evil.example',
    '/./\t/evil.example',
    'https://evil.example/',
    'http://localhost:3000.evil.example/',
    'javascript:alert(1)',
    'evil.example',
    '',
    null,
    undefined,
    ['/keys'],
  ])('refuses %j', (next) => {
    expect(safeNext(next, ORIGIN)).toBe('/keys');
  });

  it.each([
    ['/keys', '/keys'],
    ['/keys?x=1#top', '/keys?x=1#top'],
    ['/admin/../invitations', '/invitations'],
    ['/a b', '/a%20b'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
  ])('keeps the local path %j as %j', (next, expected) => {
    expect(safeNext(next, ORIGIN)).toBe(expected);
  });
});

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])('%s is this machine', (address) => {
    expect(isLoopback(address)).toBe(true);
  });
  it.each(['192.0.2.2', '::ffff:192.0.2.2', '10.0.0.1', 'fe80::1', '', undefined, '127.0.0.1.evil'])('%j is not', (address) => {
    expect(isLoopback(address)).toBe(false);
  });
});
