import { describe, expect, it } from 'vitest';
import { OriginCheck } from './index.js';

describe('OriginCheck', () => {
  const configured = new OriginCheck(['https://app.example.com/auth/reset', 'https://www.example.com'], 'test');

  it('accepts the configured origins by Origin, else by Referer', () => {
    expect(configured.inspect({ origin: 'https://app.example.com' })).toBe('same');
    expect(configured.inspect({ origin: 'https://APP.example.com:443' })).toBe('same');
    expect(configured.inspect({ origin: 'https://www.example.com' })).toBe('same');
    expect(configured.inspect({ referer: 'https://app.example.com/reset-password?x=1' })).toBe('same');
    expect(configured.inspect({})).toBe('unknown');
  });

  it('refuses other origins, opaque and malformed ones, and cross-site fetch metadata', () => {
    for (const headers of [
      { origin: 'https://evil.example.com' },
      { origin: 'https://app.example.com.evil.com' },
      { origin: 'http://app.example.com' },
      { origin: 'https://app.example.com:8443' },
      { origin: 'null' },
      { origin: 'not a url' },
      { origin: 'file:///etc' },
      { referer: 'https://evil.example.com/app.example.com' },
      { origin: 'https://app.example.com', 'sec-fetch-site': 'cross-site' },
      // Origin wins over Referer: a matching Referer does not rescue a foreign Origin.
      { origin: 'https://evil.example.com', referer: 'https://app.example.com/' },
    ]) {
      const verdict = configured.inspect(headers);
      expect(typeof verdict, JSON.stringify(headers)).toBe('object');
      expect(verdict).toMatchObject({ status: 403 });
    }
  });

  it('without configured origins, the origin must be the request Host', () => {
    const byHost = new OriginCheck(undefined, 'test');
    expect(byHost.inspect({ host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3000' })).toBe('same');
    expect(byHost.inspect({ host: 'App.Example.com', origin: 'https://app.example.com' })).toBe('same');
    expect(byHost.inspect({ host: '127.0.0.1:3000', origin: 'http://127.0.0.1:4000' })).toMatchObject({ status: 403 });
    expect(byHost.inspect({ origin: 'http://127.0.0.1:3000' })).toMatchObject({ status: 403 });
  });

  it('rejects unusable configuration', () => {
    expect(() => new OriginCheck(['app.example.com'], 'resetRoutes')).toThrow(/resetRoutes: trusted origins/);
    expect(() => new OriginCheck(['ftp://x'], 'resetRoutes')).toThrow(/http\(s\)/);
  });
});
