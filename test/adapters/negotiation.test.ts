import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './client.js';
import { createFixture, FORM_PATH, type Fixture } from './fixture.js';
import { FRAMEWORKS, type RunningServer } from './frameworks.js';

/** Link routes read `Accept` as the frameworks' own `accepts` (negotiator) does. */
describe.each(FRAMEWORKS)('Accept negotiation of the link routes on $name', (framework) => {
  let fixture: Fixture;
  let server: RunningServer;

  beforeAll(async () => {
    fixture = createFixture();
    server = await framework.start(fixture);
  });
  afterAll(async () => {
    await server.close();
    await fixture.store.close();
  });

  const cases: Array<[string, 'html' | 'json']> = [
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'html'],
    ['text/*', 'html'],
    ['application/json;q=0.5, text/html', 'html'],
    ['text/html;q=0, */*', 'json'],
    ['application/json, text/html', 'json'],
    ['*/*', 'json'],
  ];

  it.each(cases)('reset link, Accept: %s → %s', async (accept, kind) => {
    const { token } = await fixture.resets.issue('u_alice');
    const res = await call(server.url, `/auth/reset/${token}`, { headers: { accept } });
    if (kind === 'html') {
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(FORM_PATH);
    } else {
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ valid: true });
    }
  });

  it.each(cases)('invitation link, Accept: %s → %s', async (accept, kind) => {
    const { code } = await fixture.invites.create({ createdBy: 'admin' });
    const res = await call(server.url, `/invitations/${code}`, { headers: { accept } });
    expect(res.status).toBe(kind === 'html' ? 303 : 200);
  });
});
