import { describe, expect, it } from 'vitest';
import { safeNext } from './pages/auth.js';
import { SessionStore } from './sessions.js';

describe('SessionStore', () => {
  const cookieOf = (setCookie: string) => setCookie.split(';')[0]!;

  it('sets an HttpOnly SameSite=Strict cookie and finds the session by it', () => {
    const sessions = new SessionStore({ secure: false });
    const session = sessions.create('u_1');
    const header = sessions.setCookie(session);
    expect(header).toContain('HttpOnly');
    expect(header).toContain('SameSite=Strict');
    expect(header).not.toContain('Secure');
    expect(sessions.load(cookieOf(header))?.userId).toBe('u_1');
    expect(sessions.load('tk_sid=unknown')).toBeNull();
    expect(sessions.load(undefined)).toBeNull();
  });

  it('rotates id and CSRF token on sign-in, dropping the old id', () => {
    const sessions = new SessionStore({ secure: true });
    const anonymous = sessions.create();
    const signedIn = sessions.rotate(anonymous, 'u_1');
    expect(signedIn.id).not.toBe(anonymous.id);
    expect(signedIn.csrf).not.toBe(anonymous.csrf);
    expect(sessions.load(`tk_sid=${anonymous.id}`)).toBeNull();
    expect(sessions.setCookie(signedIn)).toContain('Secure');
  });

  it('checks CSRF tokens exactly', () => {
    const sessions = new SessionStore({ secure: false });
    const session = sessions.create();
    expect(sessions.checkCsrf(session, session.csrf)).toBe(true);
    expect(sessions.checkCsrf(session, `${session.csrf}x`)).toBe(false);
    expect(sessions.checkCsrf(session, '')).toBe(false);
    expect(sessions.checkCsrf(session, ['a'])).toBe(false);
  });

  it('signs a user out everywhere and stays bounded', () => {
    const sessions = new SessionStore({ secure: false, maxSessions: 3 });
    const a = sessions.create('u_1');
    const b = sessions.create('u_1');
    sessions.destroyUser('u_1');
    expect(sessions.load(`tk_sid=${a.id}`)).toBeNull();
    expect(sessions.load(`tk_sid=${b.id}`)).toBeNull();
    const many = Array.from({ length: 5 }, () => sessions.create());
    expect(sessions.load(`tk_sid=${many[0]!.id}`)).toBeNull();
    expect(sessions.load(`tk_sid=${many[4]!.id}`)).not.toBeNull();
  });
});

describe('safeNext', () => {
  it('allows only local paths', () => {
    expect(safeNext('/keys?x=1')).toBe('/keys?x=1');
    expect(safeNext('//evil.example')).toBe('/keys');
    expect(safeNext('/\\evil.example')).toBe('/keys');
    expect(safeNext('https://evil.example')).toBe('/keys');
    expect(safeNext(null)).toBe('/keys');
  });
});
