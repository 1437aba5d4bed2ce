import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freshIp } from './client.js';
import { createFixture, type Fixture } from './fixture.js';
import { FRAMEWORKS, type RunningServer } from './frameworks.js';

/** Credential sources, RateLimit headers and events of apiKeyAuth, on every framework. */
describe.each(FRAMEWORKS)('apiKeyAuth sources, RateLimit headers and events on $name', (framework) => {
  let fixture: Fixture;
  let server: RunningServer;
  let key: string;

  beforeAll(async () => {
    fixture = createFixture({ authLimit: 2, reset: { minDuration: 0, ipLimit: { limit: 1, window: '1m' } } });
    server = await framework.start(fixture);
    key = (await fixture.apiKeys.create({ ownerId: 'owner_1' })).key;
  });
  afterAll(async () => {
    await server.close();
    await fixture.store.close();
  });

  it('reads a key from an app function (req / ctx) and from Authorization schemes other than Bearer', async () => {
    const accepted: Array<Record<string, string>> = [
      { 'x-custom-key': key },
      { authorization: `Api-Key ${key}` },
      { authorization: `api-key   ${key}` },
      { authorization: `Token ${key}` },
      { authorization: `TOKEN ${key}` },
    ];
    for (const headers of accepted) {
      const res = await call(server.url, '/api/custom', { headers });
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(res.json()).toEqual({ ownerId: 'owner_1', anonymous: false });
    }
    // Bearer is not configured on this route; Api-Keyx is another scheme.
    for (const authorization of [`Bearer ${key}`, `Api-Keyx ${key}`]) {
      const res = await call(server.url, '/api/custom', { headers: { authorization } });
      expect(res.status, authorization).toBe(401);
      expect(res.json()).toMatchObject({ code: 'MISSING_CREDENTIAL' });
    }
    // A function source answering with a bad key is a presented, invalid key.
    const bad = await call(server.url, '/api/custom', { headers: { 'x-custom-key': 'sk_nonsense' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Api-Key realm="api", error="invalid_token"');
  });

  it('the 401 detail names the sources actually configured; the challenge uses the first Authorization scheme', async () => {
    const detail = async (path: string) => (await call(server.url, path)).json<{ detail: string }>().detail;
    expect(await detail('/api/data')).toBe('Send an API key: Authorization: Bearer <key> or X-Api-Key: <key>.');
    expect(await detail('/api/sources')).toBe('Send an API key: the cookie api_key or the query parameter api_key.');
    expect(await detail('/api/custom')).toBe(
      'Send an API key: the app-defined source, Authorization: Api-Key <key> or Authorization: token <key>.',
    );
    expect((await call(server.url, '/api/custom')).headers.get('www-authenticate')).toBe('Api-Key realm="api"');
    expect((await call(server.url, '/api/sources')).headers.get('www-authenticate')).toBe('Bearer realm="api"');
  });

  it('a key with a rateLimit gets RateLimit-Policy / RateLimit on success and on its 429', async () => {
    const limited = await fixture.apiKeys.create({ ownerId: 'o', rateLimit: { limit: 2, window: '30s' } });
    const first = await call(server.url, '/api/data', { headers: { 'x-api-key': limited.key } });
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"apikey"; q=2; w=30');
    expect(first.headers.get('ratelimit')).toMatch(/^"apikey"; r=1; t=(29|30)$/);
    const second = await call(server.url, '/api/data', { headers: { 'x-api-key': limited.key } });
    expect(second.headers.get('ratelimit')).toMatch(/^"apikey"; r=0; t=(29|30)$/);
    const third = await call(server.url, '/api/data', { headers: { 'x-api-key': limited.key } });
    expect(third.status).toBe(429);
    expect(third.headers.get('ratelimit-policy')).toBe('"apikey"; q=2; w=30');
    expect(third.headers.get('ratelimit')).toMatch(/^"apikey"; r=0; t=(29|30)$/);
    expect(third.headers.get('retry-after')).toMatch(/^(29|30)$/);

    // Keys without a rateLimit get none; standardHeaders: false turns them off.
    const plain = await call(server.url, '/api/data', { headers: { 'x-api-key': key } });
    expect(plain.headers.get('ratelimit-policy')).toBeNull();
    expect(plain.headers.get('ratelimit')).toBeNull();
    const other = await fixture.apiKeys.create({ ownerId: 'o', rateLimit: { limit: 5, window: '1m' } });
    const quiet = await call(server.url, '/api/quiet', { headers: { 'x-api-key': other.key } });
    expect(quiet.status).toBe(200);
    expect(quiet.headers.get('ratelimit-policy')).toBeNull();
    expect(quiet.headers.get('ratelimit')).toBeNull();
  });

  it('a throttle 429 carries RateLimit headers and emits throttle.blocked with a keyed hash of the IP, never the IP', async () => {
    const ip = freshIp();
    for (let i = 0; i < 2; i++) expect((await call(server.url, '/api/data', { headers: { 'x-api-key': 'sk_guess' }, ip })).status).toBe(401);
    const before = fixture.events.length;
    const blocked = await call(server.url, '/api/data', { headers: { 'x-api-key': 'sk_guess' }, ip });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('ratelimit-policy')).toBe('"apikey-ip"; q=2; w=60');
    expect(blocked.headers.get('ratelimit')).toMatch(/^"apikey-ip"; r=0; t=(59|60)$/);
    // Known-blocked, answered from memory: the same headers and another event.
    const again = await call(server.url, '/api/data', { headers: { 'x-api-key': key }, ip });
    expect(again.status).toBe(429);
    expect(again.headers.get('ratelimit')).toMatch(/^"apikey-ip"; r=0; t=\d+$/);
    const events = fixture.events.slice(before).filter((e) => e.type === 'throttle.blocked');
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event).toMatchObject({ type: 'throttle.blocked', operation: 'apikey-ip', client: expect.stringMatching(/^[\w-]{16}$/) });
      expect(JSON.stringify(event)).not.toContain(ip);
    }
    expect(events[0]!.client).toBe(events[1]!.client);
    // Another address hashes differently; the hash is keyed (not a plain digest of the IP).
    expect(events[0]!.client).not.toBe(createHash('sha256').update(ip).digest('base64url').slice(0, 16));

    const quiet = freshIp();
    for (let i = 0; i < 3; i++) await call(server.url, '/api/quiet', { headers: { 'x-api-key': 'sk_guess' }, ip: quiet });
    const quietBlocked = await call(server.url, '/api/quiet', { headers: { 'x-api-key': 'sk_guess' }, ip: quiet });
    expect(quietBlocked.status).toBe(429);
    expect(quietBlocked.headers.get('ratelimit')).toBeNull();
    expect(quietBlocked.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('the reset routes\' per-IP 429 carries RateLimit headers and emits throttle.blocked', async () => {
    const ip = freshIp();
    expect((await call(server.url, '/auth/reset/request', { body: { email: 'a@example.org' }, ip })).status).toBe(202);
    const before = fixture.events.length;
    const limited = await call(server.url, '/auth/reset/request', { body: { email: 'b@example.org' }, ip });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('ratelimit-policy')).toBe('"reset-ip"; q=1; w=60');
    expect(limited.headers.get('ratelimit')).toMatch(/^"reset-ip"; r=0; t=(59|60)$/);
    expect(fixture.events.slice(before)).toEqual([
      { type: 'throttle.blocked', operation: 'reset-ip', client: expect.stringMatching(/^[\w-]{16}$/), at: expect.any(Number) },
    ]);
  });

  it('a store outage emits store.unavailable (operation, error code) for the 503', async () => {
    const { token } = await fixture.resets.issue('u_alice');
    const { code } = await fixture.invites.create({ createdBy: 'admin' });
    const before = fixture.events.length;
    fixture.store.down = true;
    try {
      expect((await call(server.url, '/api/data', { headers: { 'x-api-key': key } })).status).toBe(503);
      expect((await call(server.url, '/auth/reset/confirm', { body: { token, password: 'long enough password' } })).status).toBe(503);
      expect((await call(server.url, `/invitations/${code}`)).status).toBe(503);
    } finally {
      fixture.store.down = false;
    }
    const outages = fixture.events.slice(before).filter((e) => e.type === 'store.unavailable');
    expect(outages.map((e) => [e.operation, e.code])).toEqual([
      ['apikey.verify', 'STORE_UNAVAILABLE'],
      ['reset.confirm', 'STORE_UNAVAILABLE'],
      ['invite.link', 'STORE_UNAVAILABLE'],
    ]);
  });
});
