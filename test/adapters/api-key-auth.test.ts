import { ApiKeys, MemoryStore } from '@tokenkit/core';
import { FREE_IN_FLIGHT } from '@tokenkit/core/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freshIp } from './client.js';
import { createFixture, type Fixture, SECRET } from './fixture.js';
import { FRAMEWORKS, type RunningServer } from './frameworks.js';

const PROBLEM = 'application/problem+json';

describe.each(FRAMEWORKS)('apiKeyAuth on $name', (framework) => {
  let fixture: Fixture;
  let server: RunningServer;
  let key: string;
  let keyId: string;

  beforeAll(async () => {
    fixture = createFixture({ authLimit: 3 });
    server = await framework.start(fixture);
    const created = await fixture.apiKeys.create({ ownerId: 'owner_1', scopes: ['read'] });
    key = created.key;
    keyId = created.apiKey.id;
  });
  afterAll(async () => {
    await server.close();
    await fixture.store.close();
  });

  const get = (path: string, headers: Record<string, string> = {}, ip?: string) =>
    call(server.url, path, { headers, ...(ip ? { ip } : {}) });

  it('accepts a valid key from Authorization: Bearer and from X-API-Key, exposing the record', async () => {
    const variants: Array<Record<string, string>> = [{ authorization: `Bearer ${key}` }, { authorization: `bearer   ${key}` }, { 'x-api-key': key }];
    for (const headers of variants) {
      const res = await get('/api/data', headers);
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({ ownerId: 'owner_1', anonymous: false });
    }
  });

  it('a valid verification costs exactly one store operation and no throttle call', async () => {
    const before = { ...fixture.store.calls };
    const res = await get('/api/data', { authorization: `Bearer ${key}` });
    expect(res.status).toBe(200);
    expect((fixture.store.calls.use ?? 0) - (before.use ?? 0)).toBe(1);
    expect(fixture.store.calls.hit ?? 0).toBe(before.hit ?? 0);
  });

  it('missing key → 401 with Bearer realm="api" and a problem+json body', async () => {
    const variants: Array<Record<string, string>> = [{}, { authorization: 'Basic dXNlcjpwYXNz' }];
    for (const headers of variants) {
      const res = await get('/api/data', headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api"');
      expect(res.headers.get('content-type')).toBe(PROBLEM);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.json()).toEqual({
        type: 'urn:tokenkit:problem:missing-credential',
        title: 'Unauthorized',
        status: 401,
        code: 'MISSING_CREDENTIAL',
        detail: expect.any(String),
      });
    }
  });

  it('malformed, unknown, revoked and expired keys → 401 error="invalid_token" with the code', async () => {
    const revoked = await fixture.apiKeys.create({ ownerId: 'owner_2' });
    await fixture.apiKeys.revoke(revoked.apiKey.id);
    const expired = await fixture.apiKeys.create({ ownerId: 'owner_3', expiresIn: 20 });
    await new Promise((resolve) => setTimeout(resolve, 40));
    // Same shape and checksum as a real key, but no such id in the store.
    const unknown = (await createFixture().apiKeys.create({ ownerId: 'elsewhere' })).key;
    const cases: Array<[string, string]> = [
      ['sk_nonsense', 'MALFORMED'],
      [`${key.slice(0, -1)}${key.endsWith('a') ? 'b' : 'a'}`, 'MALFORMED'],
      [unknown, 'NOT_FOUND'],
      [revoked.key, 'REVOKED'],
      [expired.key, 'EXPIRED'],
    ];
    for (const [presented, code] of cases) {
      const res = await get('/api/data', { authorization: `Bearer ${presented}` });
      expect(res.status, code).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api", error="invalid_token"');
      expect(res.headers.get('content-type')).toBe(PROBLEM);
      expect(res.json()).toMatchObject({ status: 401, code, title: 'Unauthorized', type: expect.stringMatching(/^urn:tokenkit:problem:/) });
      expect(res.text).not.toContain(presented);
    }
  });

  it('missing scope → 403 error="insufficient_scope" naming the scope', async () => {
    const res = await get('/api/admin', { authorization: `Bearer ${key}` });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api", error="insufficient_scope", scope="admin"');
    expect(res.json()).toMatchObject({ status: 403, code: 'INSUFFICIENT_SCOPE', title: 'Forbidden' });
    const admin = await fixture.apiKeys.create({ ownerId: 'root', scopes: ['admin'] });
    expect((await get('/api/admin', { authorization: `Bearer ${admin.key}` })).status).toBe(200);
  });

  it('per-key rate limit and exhausted uses → 429 with Retry-After', async () => {
    const limited = await fixture.apiKeys.create({ ownerId: 'o', rateLimit: { limit: 1, window: '30s' } });
    expect((await get('/api/data', { 'x-api-key': limited.key })).status).toBe(200);
    const second = await get('/api/data', { 'x-api-key': limited.key });
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(29);
    expect(Number(second.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    expect(second.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });

    const once = await fixture.apiKeys.create({ ownerId: 'o', remaining: 1 });
    expect((await get('/api/data', { 'x-api-key': once.key })).status).toBe(200);
    const spent = await get('/api/data', { 'x-api-key': once.key });
    expect(spent.status).toBe(429);
    expect(Number(spent.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(spent.json()).toMatchObject({ code: 'USAGE_EXCEEDED' });
  });

  it('optional: anonymous passes without apiKey, a valid key is attached, a bad key is still rejected', async () => {
    const anonymous = await get('/api/optional');
    expect(anonymous.status).toBe(200);
    expect(anonymous.json()).toEqual({ ownerId: null, anonymous: true });
    const keyed = await get('/api/optional', { authorization: `Bearer ${key}` });
    expect(keyed.json()).toEqual({ ownerId: 'owner_1', anonymous: false });
    const bad = await get('/api/optional', { authorization: 'Bearer sk_bad' });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('reads cookie:<name> and query:<name> sources; a duplicated query key is rejected', async () => {
    expect((await get('/api/sources', { cookie: `theme=dark; api_key=${key}` })).status).toBe(200);
    expect((await get(`/api/sources?api_key=${encodeURIComponent(key)}`)).status).toBe(200);
    expect((await get(`/api/sources?api_key=${key}&api_key=${key}`)).status).toBe(401);
    // The Authorization header is not a configured source on this route.
    expect((await get('/api/sources', { authorization: `Bearer ${key}` })).status).toBe(401);
  });

  it('throttle: the (limit+1)-th failure from one IP → 429 + Retry-After; another IP is unaffected', async () => {
    const attacker = freshIp();
    const bystander = freshIp();
    for (let i = 1; i <= 3; i++) {
      const res = await get('/api/data', { authorization: `Bearer sk_guess${i}` }, attacker);
      expect(res.status, `attempt ${i}`).toBe(401);
    }
    const blocked = await get('/api/data', { authorization: 'Bearer sk_guess4' }, attacker);
    expect(blocked.status).toBe(429);
    expect(blocked.json()).toMatchObject({ status: 429, code: 'TOO_MANY_ATTEMPTS' });
    const retry = Number(blocked.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(59);
    expect(retry).toBeLessThanOrEqual(60);

    // Known-blocked clients are answered from memory: no store call at all, even with a valid key.
    const before = fixture.store.totalCalls();
    const stillBlocked = await get('/api/data', { authorization: `Bearer ${key}` }, attacker);
    expect(stillBlocked.status).toBe(429);
    expect(fixture.store.totalCalls()).toBe(before);

    expect((await get('/api/data', { authorization: 'Bearer sk_typo' }, bystander)).status).toBe(401);
    expect((await get('/api/data', { authorization: `Bearer ${key}` }, bystander)).status).toBe(200);
  });

  describe('behind a store with network latency (like Redis)', () => {
    let slow: Fixture;
    let slowServer: RunningServer;
    let elsewhere: ApiKeys;
    beforeAll(async () => {
      slow = createFixture({ authLimit: 3 });
      slowServer = await framework.start(slow);
      elsewhere = new ApiKeys({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret: SECRET });
    });
    afterAll(async () => {
      await slowServer.close();
      await slow.store.close();
    });
    const slowGet = (presented: string, ip: string) => call(slowServer.url, '/api/data', { headers: { 'x-api-key': presented }, ip });
    /** Well-formed keys of another store: each one verified costs a store `use` and answers 401 NOT_FOUND. */
    const unknownKeys = (n: number) => Promise.all(Array.from({ length: n }, async () => (await elsewhere.create({ ownerId: 'x' })).key));

    it('1000 parallel unknown keys from one IP: at most limit + FREE_IN_FLIGHT get verified', async () => {
      const guesses = await unknownKeys(1000);
      const attacker = freshIp();
      slow.store.latencyMs = 5;
      const usesBefore = slow.store.calls.use ?? 0;
      const replies = await Promise.all(guesses.map((guess) => slowGet(guess, attacker)));
      slow.store.latencyMs = 0;
      const verified = (slow.store.calls.use ?? 0) - usesBefore;
      const statuses = replies.map((r) => r.status);
      expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
      expect(verified).toBeLessThanOrEqual(3 + FREE_IN_FLIGHT);
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(verified);
    });

    it('a blocked client gets no verified guess beyond the limit, not even mixed with valid keys', async () => {
      const valid = (await slow.apiKeys.create({ ownerId: 'nat' })).key;
      const guesses = await unknownKeys(200);
      const nat = freshIp();
      const presented = guesses.flatMap((guess) => [guess, valid]);
      slow.store.latencyMs = 5;
      const replies = await Promise.all(presented.map((k) => slowGet(k, nat)));
      const failedGuesses = replies.filter((r, i) => presented[i] !== valid && r.status === 401).length;
      // Once blocked, valid keys from that address are refused too: a valid key is no way around the block.
      const after = await slowGet(valid, nat);
      slow.store.latencyMs = 0;
      expect(failedGuesses).toBeLessThanOrEqual(3 + FREE_IN_FLIGHT);
      expect(after.status).toBe(429);
      expect(replies.every((r) => r.status === 200 || r.status === 401 || r.status === 429)).toBe(true);
    });

    it('200 valid requests at once from one IP: all 200, no throttle store call, no multi-second queue', async () => {
      const valid = (await slow.apiKeys.create({ ownerId: 'backend' })).key;
      const backend = freshIp();
      slow.store.latencyMs = 5;
      try {
        for (let round = 0; round < 2; round++) {
          const hitsBefore = slow.store.calls.hit ?? 0;
          const started = performance.now();
          const replies = await Promise.all(Array.from({ length: 200 }, () => slowGet(valid, backend)));
          const elapsed = performance.now() - started;
          expect(replies.map((r) => r.status)).toEqual(Array(200).fill(200));
          expect((slow.store.calls.hit ?? 0) - hitsBefore).toBe(0);
          // Two at a time would be 100 rounds of the store's latency; retries used to end in 429 after ~0.25 s.
          expect(elapsed).toBeLessThan(2000);
        }
      } finally {
        slow.store.latencyMs = 0;
      }
    });

    it('valid keys in parallel from one clean IP are not throttled', async () => {
      const valid = (await slow.apiKeys.create({ ownerId: 'office' })).key;
      const office = freshIp();
      slow.store.latencyMs = 2;
      for (let round = 0; round < 3; round++) {
        const replies = await Promise.all(Array.from({ length: 20 }, () => slowGet(valid, office)));
        expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
      }
      slow.store.latencyMs = 0;
    });
  });

  it('a second process learns the block from the shared store at the next failure', async () => {
    // Another app instance on the same store stands in for another process.
    const sibling = await framework.start({ ...fixture, auth: { ...fixture.auth } });
    try {
      const attacker = freshIp();
      for (let i = 0; i < 3; i++) await get('/api/data', { 'x-api-key': `sk_x${i}` }, attacker);
      const res = await call(sibling.url, '/api/data', { headers: { 'x-api-key': 'sk_again' }, ip: attacker });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await sibling.close();
    }
  });

  it('never echoes the key and never answers 500 for odd credentials', async () => {
    for (const value of ['Bearer', 'Bearer ', `Bearer ${'a'.repeat(5000)}`, `Bearer ${key} extra`, 'Bearer \u00ff\u00fe']) {
      const res = await get('/api/data', { authorization: value });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect(keyId).toMatch(/^[0-9A-Za-z]{10}$/);
  });
});
