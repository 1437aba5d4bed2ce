/**
 * Fail closed, recover by itself — against a real redis-server this file
 * starts, crashes (SIGKILL), freezes (SIGSTOP) and fills up (maxmemory).
 */
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { ApiKeys, isStoreUnavailableError } from '@tokenkit/core';
import { RedisStore, recommendedRedisOptions } from '@tokenkit/redis';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisServer } from '../helpers/redis-server.js';
import { connectRedis, uniquePrefix } from './harness.js';

const SECRET = 'fault-secret-0123456789abcdefghijklmnopq';
const TIMEOUT = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Outcome = 'valid' | 'invalid' | 'unavailable' | 'other';
interface Call {
  start: number;
  end: number;
  outcome: Outcome;
}

let server: RedisServer;
let client: Redis;
let apiKeys: ApiKeys;
let prefix: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

async function timedVerify(key: string): Promise<Call> {
  const start = performance.now();
  let outcome: Outcome;
  try {
    outcome = (await apiKeys.verify(key)).valid ? 'valid' : 'invalid';
  } catch (err) {
    outcome = isStoreUnavailableError(err) && err.retryable ? 'unavailable' : 'other';
  }
  return { start, end: performance.now(), outcome };
}

beforeAll(async () => {
  // AOF with fsync on every write: the keys issued before a SIGKILL are there after the restart.
  server = await RedisServer.start({ appendonly: true });
  client = await connectRedis(server.url);
  prefix = uniquePrefix();
  apiKeys = new ApiKeys({ store: new RedisStore({ client, prefix, timeout: TIMEOUT }), secret: SECRET });
});
afterAll(async () => {
  try {
    client?.disconnect();
  } finally {
    await server?.dispose();
  }
});
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  await sleep(50);
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

describe('RedisStore failure behaviour', () => {
  it('SIGKILL mid verify loop: every call rejects with StoreUnavailableError within timeout + 200 ms; after a restart on the same port it recovers within 5 s', async () => {
    const { key } = await apiKeys.create({ ownerId: 'fault-owner', remaining: 1_000_000 });
    const calls: Call[] = [];
    let stop = false;
    const loop = async () => {
      while (!stop) {
        calls.push(await timedVerify(key));
        await sleep(2);
      }
    };
    const loops = Array.from({ length: 8 }, loop);
    await sleep(300);
    await server.kill('SIGKILL');
    const killedAt = performance.now();
    await sleep(1500);
    const restartAt = performance.now();
    await server.restart();
    const recovered = () => calls.find((c) => c.start >= restartAt && c.outcome === 'valid');
    while (!recovered() && performance.now() - restartAt < 6000) await sleep(20);
    stop = true;
    await Promise.all(loops);

    const before = calls.filter((c) => c.end < killedAt && c.outcome === 'valid');
    const down = calls.filter((c) => c.start >= killedAt && c.end <= restartAt);
    const slowest = Math.max(...calls.map((c) => c.end - c.start));
    const recovery = recovered();
    console.log(
      `SIGKILL: ${before.length} valid before, ${down.length} calls while down ` +
        `(${down.filter((c) => c.outcome === 'unavailable').length} StoreUnavailableError), slowest call ${slowest.toFixed(0)} ms, ` +
        `first valid ${recovery ? (recovery.end - restartAt).toFixed(0) : 'never'} ms after restart began`,
    );
    expect(before.length).toBeGreaterThan(10);
    expect(down.length).toBeGreaterThan(50);
    expect(down.every((c) => c.outcome === 'unavailable')).toBe(true);
    // Never a wrong answer: a valid key is valid or the store is unavailable — never 'invalid' (401).
    expect(calls.filter((c) => c.outcome === 'invalid' || c.outcome === 'other')).toEqual([]);
    expect(slowest).toBeLessThanOrEqual(TIMEOUT + 200);
    expect(recovery).toBeDefined();
    expect(recovery!.end - restartAt).toBeLessThan(5000);
  });

  it('a hung Redis (SIGSTOP): calls reject at the timeout, and succeed again once it continues', async () => {
    const { key } = await apiKeys.create({ ownerId: 'hang-owner' });
    expect((await timedVerify(key)).outcome).toBe('valid');
    await server.pause();
    try {
      const calls = await Promise.all(Array.from({ length: 20 }, () => timedVerify(key)));
      const durations = calls.map((c) => c.end - c.start);
      console.log(`SIGSTOP: 20 calls rejected after ${Math.min(...durations).toFixed(0)}–${Math.max(...durations).toFixed(0)} ms (timeout ${TIMEOUT})`);
      for (const call of calls) {
        expect(call.outcome).toBe('unavailable');
        expect(call.end - call.start).toBeGreaterThanOrEqual(TIMEOUT - 5);
        expect(call.end - call.start).toBeLessThanOrEqual(TIMEOUT + 200);
      }
    } finally {
      await server.resume();
    }
    // The late replies to the abandoned commands are absorbed; the next call is answered normally.
    await expect.poll(async () => (await timedVerify(key)).outcome, { timeout: 5000 }).toBe('valid');
  });

  it('an error reply (OOM under maxmemory) rejects with StoreUnavailableError, never a verdict', async () => {
    const { key } = await apiKeys.create({ ownerId: 'oom-owner', remaining: 10 });
    expect((await timedVerify(key)).outcome).toBe('valid');
    await server.command('CONFIG', 'SET', 'maxmemory', '1');
    try {
      // Spending a use writes, which Redis refuses with -OOM inside the script.
      const call = await timedVerify(key);
      expect(call.outcome).toBe('unavailable');
      await expect(apiKeys.verify(key)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
    } finally {
      await server.command('CONFIG', 'SET', 'maxmemory', '0');
    }
    expect((await timedVerify(key)).outcome).toBe('valid');
    expect((await apiKeys.get((await apiKeys.list({ ownerId: 'oom-owner' }))[0]!.id))?.remaining).toBe(8);
  });

  it('before the client has connected, calls reject at once (no offline queue); after connect they work', async () => {
    const lazy = new Redis(server.url, recommendedRedisOptions({ lazyConnect: true }));
    const store = new RedisStore({ client: lazy, prefix, timeout: TIMEOUT });
    const start = performance.now();
    await expect(store.get('key', 'nothing')).rejects.toMatchObject({ name: 'StoreUnavailableError' });
    expect(performance.now() - start).toBeLessThan(TIMEOUT);
    // The rejected command started the lazy connection (ioredis connects on first use).
    if (lazy.status !== 'ready') await once(lazy, 'ready');
    expect(await store.get('key', 'nothing')).toBeNull();
    lazy.disconnect();
  });
});
