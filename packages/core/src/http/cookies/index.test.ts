import { describe, expect, it } from 'vitest';
import { TokenCookie } from './index.js';

describe('TokenCookie', () => {
  it('sets HttpOnly, SameSite=Strict, Secure, the mount path and a Max-Age capped by the token expiry', () => {
    const jar = new TokenCookie('tk', '15m');
    expect(jar.set('rst_x', '/auth/reset', 0, 3_600_000)).toBe('tk=rst_x; Max-Age=900; Path=/auth/reset; HttpOnly; Secure; SameSite=Strict');
    expect(jar.set('rst_x', '', 0, 120_500)).toMatch(/^tk=rst_x; Max-Age=120; Path=\/;/);
    expect(jar.set('rst_x', '/a', 0, 10)).toMatch(/Max-Age=1;/);
  });

  it('clears with Max-Age=0 and an epoch Expires; Secure can be disabled explicitly; overrides apply', () => {
    const jar = new TokenCookie('tk', '15m', { secure: false, path: '/p', domain: 'example.com', name: 'mine' });
    const cleared = jar.clear('/ignored');
    expect(cleared).toContain('mine=;');
    expect(cleared).toContain('Max-Age=0');
    expect(cleared).toContain('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    expect(cleared).toContain('Path=/p');
    expect(cleared).toContain('Domain=example.com');
    expect(cleared).not.toContain('Secure');
  });

  it('reads its own cookie only', () => {
    const jar = new TokenCookie('tk', '15m');
    expect(jar.read({ cookie: 'a=1; tk=rst_abc; b=2' })).toBe('rst_abc');
    expect(jar.read({ cookie: 'tkx=1' })).toBeUndefined();
    expect(jar.read({ cookie: 'tk=' })).toBeUndefined();
    expect(jar.read({})).toBeUndefined();
  });

  it('rejects bad configuration', () => {
    expect(() => new TokenCookie('bad name', '1m')).toThrow(/cookie name/);
    expect(() => new TokenCookie('ok', '1m', { path: 'relative' })).toThrow(/absolute path/);
    expect(() => new TokenCookie('ok', '10ms')).toThrow(/at least 1s/);
  });
});
