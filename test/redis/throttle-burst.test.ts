/**
 * The per-IP failure throttle of apiKeyAuth against a burst, on the shared
 * Redis through a real Express server: failures must be counted before they
 * are verified, or a burst runs hundreds of verifications past the limit.
 * Verifications are counted from `apikey.rejected` events (each well-formed
 * unknown key that reaches the store emits one).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { ApiKeys, MemoryStore, type TokenkitEvent } from '@tokenkit/core';
import { FREE_IN_FLIGHT } from '@tokenkit/core/http';
import { InstrumentedStore } from '@tokenkit/core/testing';
import { apiKeyAuth } from '@tokenkit/express';
import { RedisStore } from '@tokenkit/redis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_REDIS_URL, connectRedis, deletePrefix, uniquePrefix } from './harness.js';

const require = createRequire(import.meta.url);
const SECRET = 'throttle-burst-secret-0123456789abcdefgh';
const LIMIT = 20;

interface ExpressApp {
  (req: unknown, res: unknown): void;
  set(name: string, value: unknown): unknown;
  get(path: string, ...handlers: unknown[]): unknown;
}

describe('apiKeyAuth throttle on Redis: a burst from one IP', () => {
  let client: Redis;
  let prefix: string;
  let server: Server;
  let url: string;
  let apiKeys: ApiKeys;
  /** The throttle's view of the same Redis store: counts its calls. */
  let throttleStore: InstrumentedStore;
  const rejected: TokenkitEvent[] = [];

  beforeAll(async () => {
    client = await connectRedis(SHARED_REDIS_URL);
    prefix = uniquePrefix();
    const store = new RedisStore({ client, prefix });
    apiKeys = new ApiKeys({ store, secret: SECRET, onEvent: (e) => e.type === 'apikey.rejected' && rejected.push(e) });
    throttleStore = new InstrumentedStore(store);
    const express = require('express4') as () => ExpressApp;
    const app = express();
    app.set('trust proxy', true);
    app.get('/api', apiKeyAuth({ apiKeys, store: throttleStore, throttle: { limit: LIMIT, window: '1m' } }), (_req: unknown, res: { json(v: unknown): void }) =>
      res.json({ ok: true }),
    );
    server = createServer(app as never);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await deletePrefix(client, prefix);
    await client.quit();
  });

  const unknownKeys = async (n: number) => {
    const elsewhere = new ApiKeys({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret: SECRET });
    return Promise.all(Array.from({ length: n }, async () => (await elsewhere.create({ ownerId: 'x' })).key));
  };
  const send = async (key: string, ip: string) => {
    const res = await fetch(url, { headers: { 'x-api-key': key, 'x-forwarded-for': ip } });
    await res.arrayBuffer();
    return res.status;
  };

  it('1000 parallel unknown keys: at most limit + FREE_IN_FLIGHT verifications, the rest 429', async () => {
    const guesses = await unknownKeys(1000);
    // Open 1000 keep-alive connections first (no key: 401 without the throttle), so the burst arrives at once.
    await Promise.all(guesses.map(() => fetch(url).then((res) => res.arrayBuffer())));
    rejected.length = 0;
    const statuses = await Promise.all(guesses.map((key) => send(key, '203.0.113.7')));
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(rejected.length).toBeGreaterThanOrEqual(LIMIT);
    expect(rejected.length).toBeLessThanOrEqual(LIMIT + FREE_IN_FLIGHT);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1000 - LIMIT - FREE_IN_FLIGHT);
  });

  it('valid keys mixed into the burst get the blocked client no extra verified guesses', async () => {
    const { key } = await apiKeys.create({ ownerId: 'nat' });
    const guesses = await unknownKeys(300);
    const presented = guesses.flatMap((guess) => [guess, key]);
    rejected.length = 0;
    await Promise.all(presented.map((k) => send(k, '203.0.113.8')));
    expect(rejected.length).toBeLessThanOrEqual(LIMIT + FREE_IN_FLIGHT);
    expect(await send(key, '203.0.113.8')).toBe(429);
  });

  it('200 parallel valid keys from one clean IP all pass without any throttle round trip', async () => {
    const { key } = await apiKeys.create({ ownerId: 'office' });
    for (let round = 0; round < 3; round++) {
      throttleStore.reset();
      const statuses = await Promise.all(Array.from({ length: 200 }, () => send(key, '203.0.113.9')));
      expect(statuses).toEqual(Array(200).fill(200));
      expect(throttleStore.total()).toBe(0);
    }
  });
});
