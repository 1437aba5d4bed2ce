import { isTokenkitError } from '@tokenkit/core';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStore } from './redis-store.js';

// A real client that never connects: construction needs no server.
const client = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
afterAll(() => client.disconnect());

describe('RedisStore construction', () => {
  it('rejects a missing or non-ioredis client with a ConfigError that says what to pass', () => {
    for (const bad of [undefined, null, {}, { client: {} }]) {
      let error: unknown;
      try {
        new RedisStore(bad as never);
      } catch (err) {
        error = err;
      }
      expect(isTokenkitError(error) && error.code).toBe('CONFIG_INVALID');
      expect(String((error as Error).message)).toMatch(/ioredis Redis or Cluster/);
    }
  });

  it('rejects a prefix with a hash tag and a non-positive timeout', () => {
    expect(() => new RedisStore({ client, prefix: '{app}:' })).toThrow(/one Cluster slot/);
    expect(() => new RedisStore({ client, timeout: 0 })).toThrow(/timeout must be a positive number/);
    expect(() => new RedisStore({ client, timeout: Number.NaN })).toThrow(/timeout/);
  });

  it('defaults to the tokenkit: prefix and a 1 s timeout', () => {
    const store = new RedisStore({ client });
    expect(store.keys.prefix).toBe('tokenkit:');
    expect(store.timeout).toBe(1000);
  });

  it('fails closed at once when the client is not connected', async () => {
    const store = new RedisStore({ client, prefix: 'unit:' });
    await expect(store.use('key', 'AbCdEf0123', { hashes: ['v1$x'], now: Date.now() })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      retryable: true,
    });
  });
});
