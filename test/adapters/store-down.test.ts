import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './client.js';
import { createFixture, type Fixture } from './fixture.js';
import { FRAMEWORKS, type RunningServer } from './frameworks.js';

describe.each(FRAMEWORKS)('store down on $name: every route fails closed with 503', (framework) => {
  let fixture: Fixture;
  let server: RunningServer;
  let key: string;
  let unknownKey: string;
  let token: string;
  let code: string;

  beforeAll(async () => {
    fixture = createFixture();
    server = await framework.start(fixture);
    key = (await fixture.apiKeys.create({ ownerId: 'o' })).key;
    unknownKey = (await createFixture().apiKeys.create({ ownerId: 'elsewhere' })).key;
    token = (await fixture.resets.issue('u_alice')).token;
    code = (await fixture.invites.create({ createdBy: 'admin' })).code;
  });
  afterAll(async () => {
    await server.close();
    await fixture.store.close();
  });

  it('answers 503 + Retry-After — never 2xx or 401 — and recovers when the store does', async () => {
    const requests: Array<[string, string, Parameters<typeof call>[2]]> = [
      ['valid key', '/api/data', { headers: { authorization: `Bearer ${key}` } }],
      ['unknown key', '/api/data', { headers: { authorization: `Bearer ${unknownKey}` } }],
      ['malformed key', '/api/data', { headers: { 'x-api-key': 'sk_garbage' } }],
      ['valid key, optional route', '/api/optional', { headers: { 'x-api-key': key } }],
      ['reset request', '/auth/reset/request', { body: { email: 'alice@example.com' } }],
      ['reset link (JSON)', `/auth/reset/${token}`, {}],
      ['reset link (HTML)', `/auth/reset/${token}`, { headers: { accept: 'text/html' } }],
      ['reset confirm', '/auth/reset/confirm', { body: { token, password: 'long enough password' } }],
      ['invite link', `/invitations/${code}`, {}],
      ['invite accept', '/invitations/accept', { body: { code }, headers: { 'x-user': 'u_someone' } }],
    ];
    fixture.store.down = true;
    for (const [name, path, init] of requests) {
      const res = await call(server.url, path, init);
      expect(res.status, name).toBe(503);
      expect(res.headers.get('retry-after'), name).toBe('3'); // the store's 2500 ms hint, rounded up
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.json()).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE', title: 'Service Unavailable' });
    }
    expect(fixture.passwords).toEqual([]);
    expect(fixture.accepted).toEqual([]);

    fixture.store.down = false;
    expect((await call(server.url, '/api/data', { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    expect((await call(server.url, `/auth/reset/${token}`)).status).toBe(200);
  });

  it('a store that rejects with a plain Error is treated the same (503, not 500)', async () => {
    const inner = fixture.store.inner;
    const original = inner.use.bind(inner);
    // A store answering with a rejected promise (MemoryStore itself answers use() synchronously).
    inner.use = (() => Promise.reject(new Error('ECONNRESET'))) as unknown as typeof inner.use;
    try {
      const res = await call(server.url, '/api/data', { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      inner.use = original;
    }
  });
});
