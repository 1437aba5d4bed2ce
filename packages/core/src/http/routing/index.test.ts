import { describe, expect, it } from 'vitest';
import { checkRedirectTarget, normalizeBase, routeBase, singleSegment, stripBase, wantsHtml, withError } from './index.js';

describe('routing helpers', () => {
  it('normalizeBase / stripBase match whole segments of the raw path', () => {
    expect(normalizeBase('/auth/reset/')).toBe('/auth/reset');
    expect(normalizeBase('/')).toBe('');
    expect(() => normalizeBase('auth')).toThrow(/absolute path/);
    expect(routeBase('/invitations/', 'invitationRoutes')).toBe('/invitations');
    expect(() => routeBase('/', 'resetRoutes')).toThrow(/below '\/'/);
    expect(stripBase('/auth/reset/confirm', '/auth/reset')).toBe('/confirm');
    expect(stripBase('/auth/reset', '/auth/reset')).toBe('');
    expect(stripBase('/auth/resetx', '/auth/reset')).toBeNull();
    expect(stripBase('/auth/%72eset/confirm', '/auth/reset')).toBeNull();
    expect(stripBase(null, '/auth/reset')).toBeNull();
    expect(stripBase('/x', '')).toBe('/x');
  });

  it('singleSegment decodes one segment and refuses nesting and bad escapes', () => {
    expect(singleSegment('/rst_abc')).toBe('rst_abc');
    expect(singleSegment('/%2e%2e')).toBe('..');
    expect(singleSegment('/a%2Fb')).toBe('a/b');
    expect(singleSegment('/%zz')).toBeNull();
    expect(singleSegment('/a/b')).toBeNull();
    expect(singleSegment('/')).toBeNull();
    expect(singleSegment('')).toBeNull();
    expect(singleSegment(null)).toBeNull();
  });

  // What Express's req.accepts / Koa's ctx.accepts (both negotiator) answer for ['application/json', 'text/html'].
  const ACCEPT_TABLE: Array<[string | undefined, boolean]> = [
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', true], // a browser navigating
    ['text/html', true],
    ['text/*', true],
    ['text/*, application/json;q=0.5', true],
    ['application/json;q=0.5, text/html', true], // q beats order
    ['TEXT/HTML', true],
    ['*/*;q=0.1, application/json;q=0', true], // JSON refused outright
    ['application/json, text/html', false], // a tie goes to the client's first
    ['text/html;q=0, */*', false], // q=0 means "not acceptable"
    ['text/html;q=0', false],
    ['application/ld+json, text/html;q=0.9', true], // ld+json is not application/json
    ['application/ld+json', false], // neither: answer JSON (problem+json errors anyway)
    ['application/problem+json', false],
    ['*/*', false],
    ['', false],
    [undefined, false],
  ];
  it.each(ACCEPT_TABLE)('wantsHtml(Accept: %s) is %s, as negotiator decides', (accept, html) => {
    expect(wantsHtml(accept === undefined ? {} : { accept })).toBe(html);
  });

  it('redirect targets: paths or absolute http(s) URLs; errors appended before any fragment', () => {
    expect(checkRedirectTarget('/reset', 'formPath')).toBe('/reset');
    expect(checkRedirectTarget('https://app.example.com/reset', 'formPath')).toBe('https://app.example.com/reset');
    for (const bad of ['//evil.example', 'javascript:alert(1)', 'reset', '']) {
      expect(() => checkRedirectTarget(bad, 'formPath')).toThrow(/formPath/);
    }
    expect(withError('/reset', 'invalid_link')).toBe('/reset?error=invalid_link');
    expect(withError('/reset?lang=de#top', 'invalid_link')).toBe('/reset?lang=de&error=invalid_link#top');
  });
});
