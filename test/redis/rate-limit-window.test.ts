import { ApiKeys, MemoryStore, type Store } from '@tokenkit/core';
import { RedisStore } from '@tokenkit/redis';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, SHARED_REDIS_URL, uniquePrefix } from './harness.js';

const SECRET = 'rate-limit-window-secret-0123456789abc';

/**
 * The window a store reports with `use` is what apiKeyAuth's `RateLimit`
 * headers are made of: RedisStore must report exactly what MemoryStore does.
 */
describe('rate-limit window reported by use(): RedisStore matches MemoryStore', () => {
  let client: Redis;
  let redis: RedisStore;

  beforeAll(async () => {
    client = await connectRedis(SHARED_REDIS_URL);
    redis = new RedisStore({ client, prefix: uniquePrefix(), validate: { TOKENKIT_REDIS_OFFLINE_QUEUE: false } });
  });
  afterAll(async () => {
    await redis.close();
    client.disconnect();
  });

  const trace = async (store: Store) => {
    const apiKeys = new ApiKeys({ store, secret: SECRET });
    const limited = await apiKeys.create({ ownerId: 'o', rateLimit: { limit: 2, window: '1m' } });
    const metered = await apiKeys.create({ ownerId: 'o', rateLimit: { limit: 5, window: '1m' }, remaining: 3 });
    const out: unknown[] = [];
    for (const key of [limited.key, limited.key, limited.key, metered.key]) {
      const result = await apiKeys.verify(key);
      out.push(
        result.valid
          ? { valid: true, remaining: result.window?.remaining, reset: Math.ceil((result.window?.resetMs ?? 0) / 10_000) }
          : { valid: false, code: result.code, rateLimit: result.rateLimit },
      );
    }
    return out;
  };

  it('remaining and reset on success, the rule with RATE_LIMITED, for plain and metered keys', async () => {
    const expected = [
      { valid: true, remaining: 1, reset: 6 },
      { valid: true, remaining: 0, reset: 6 },
      { valid: false, code: 'RATE_LIMITED', rateLimit: { limit: 2, windowMs: 60_000 } },
      { valid: true, remaining: 4, reset: 6 },
    ];
    expect(await trace(new MemoryStore({ sweepIntervalMs: 0 }))).toEqual(expected);
    expect(await trace(redis)).toEqual(expected);
  });
});
