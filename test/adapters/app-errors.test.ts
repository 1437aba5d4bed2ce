import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './client.js';
import { createFixture, type Fixture } from './fixture.js';
import { FRAMEWORKS, type RunningServer } from './frameworks.js';

describe.each(FRAMEWORKS)('errors thrown by app callbacks on $name', (framework) => {
  let fixture: Fixture;
  let server: RunningServer;

  beforeAll(async () => {
    fixture = createFixture({
      failOnAccepted: true,
      reset: {
        setPassword: () => {
          throw new Error('password db down');
        },
      },
    });
    server = await framework.start(fixture);
  });
  afterAll(async () => {
    await server.close();
    await fixture.store.close();
  });

  it("reach the framework's error handling (next(err) / a thrown error), and the server keeps serving", async () => {
    const { token } = await fixture.resets.issue('u_alice');
    const confirm = await call(server.url, '/auth/reset/confirm', { body: { token, password: 'long enough password' } });
    expect(confirm.status).toBe(500);
    expect(confirm.headers.get('x-app-error')).toBe('password db down');

    const { code } = await fixture.invites.create({ createdBy: 'admin' });
    const accept = await call(server.url, '/invitations/accept', { body: { code }, headers: { 'x-user': 'u_x' } });
    expect(accept.status).toBe(500);
    expect(accept.headers.get('x-app-error')).toBe('grant failed');

    const { key } = await fixture.apiKeys.create({ ownerId: 'o' });
    expect((await call(server.url, '/api/data', { headers: { 'x-api-key': key } })).status).toBe(200);
  });
});
