import { describe, expect, it } from 'vitest';
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

  it('gives every sign-in a new id and CSRF token; sign-out ends it', () => {
    const sessions = new SessionStore({ secure: true });
    const first = sessions.create('u_1');
    const second = sessions.create('u_1');
    expect(second.id).not.toBe(first.id);
    expect(second.csrf).not.toBe(first.csrf);
    sessions.destroy(first);
    expect(sessions.load(`tk_sid=${first.id}`)).toBeNull();
    expect(sessions.setCookie(second)).toContain('Secure');
  });

  it("caps one user's sessions without touching anyone else's", () => {
    const sessions = new SessionStore({ secure: false, maxPerUser: 3 });
    const other = sessions.create('u_other');
    const own = Array.from({ length: 5 }, () => sessions.create('u_1'));
    expect(sessions.load(`tk_sid=${other.id}`)).not.toBeNull();
    expect(own.filter((s) => sessions.load(`tk_sid=${s.id}`) !== null)).toEqual(own.slice(2));
  });

  it('checks CSRF tokens exactly', () => {
    const sessions = new SessionStore({ secure: false });
    const session = sessions.create('u_1');
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
    const many = Array.from({ length: 5 }, (_, i) => sessions.create(`u_${i + 2}`));
    expect(sessions.load(`tk_sid=${many[0]!.id}`)).toBeNull();
    expect(sessions.load(`tk_sid=${many[4]!.id}`)).not.toBeNull();
  });
});
