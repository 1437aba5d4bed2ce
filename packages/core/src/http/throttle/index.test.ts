import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../store/memory-store.js';
import type { Store } from '../../store/types.js';
import { WindowThrottle } from './index.js';

describe('WindowThrottle', () => {
  it('allows `limit` events, then reports retryAfterMs and remembers the block without the store', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const throttle = new WindowThrottle(store, 'throttle:test', { limit: 3, window: '1m' });
    for (let i = 1; i <= 2; i++) expect(await throttle.hit('1.2.3.4')).toEqual({ count: i, retryAfterMs: 0 });
    expect(throttle.blockedMs('1.2.3.4')).toBe(0);
    expect((await throttle.hit('1.2.3.4')).retryAfterMs).toBe(0); // the limit-th event is allowed…
    const blocked = throttle.blockedMs('1.2.3.4'); // …and teaches the block
    expect(blocked).toBeGreaterThan(59_000);
    expect(blocked).toBeLessThanOrEqual(60_000);
    expect(throttle.blockedMs('5.6.7.8')).toBe(0);
    const over = await throttle.hit('1.2.3.4');
    expect(over.count).toBe(4);
    expect(over.retryAfterMs).toBeGreaterThan(59_000);
    await store.close();
  });

  it('learns a block another process caused from its own next hit', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const a = new WindowThrottle(store, 'throttle:test', { limit: 2, window: '1m' });
    const b = new WindowThrottle(store, 'throttle:test', { limit: 2, window: '1m' });
    await a.hit('ip');
    await a.hit('ip');
    expect(b.blockedMs('ip')).toBe(0); // b has not seen anything yet
    expect((await b.hit('ip')).retryAfterMs).toBeGreaterThan(0);
    expect(b.blockedMs('ip')).toBeGreaterThan(0);
    await store.close();
  });

  it('forgets the block when the window resets', async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ sweepIntervalMs: 0, now: () => now });
    const throttle = new WindowThrottle(store, 'throttle:test', { limit: 1, window: '1s' }, () => now);
    await throttle.hit('ip');
    expect(throttle.blockedMs('ip')).toBe(1000);
    now += 1001;
    expect(throttle.blockedMs('ip')).toBe(0);
    expect(await throttle.hit('ip')).toEqual({ count: 1, retryAfterMs: 0 });
    await store.close();
  });

  it('turns any store failure into StoreUnavailableError and bounds client keys', async () => {
    const keys: string[] = [];
    const failing = {
      hit: async (_ns: string, key: string) => {
        keys.push(key);
        throw new Error('boom');
      },
    } as unknown as Store;
    const throttle = new WindowThrottle(failing, 'throttle:test', { limit: 1, window: '1m' });
    await expect(throttle.hit('x'.repeat(5000))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(throttle.hit(undefined)).rejects.toMatchObject({ name: 'StoreUnavailableError' });
    expect(keys[0]!.length).toBeLessThan(64);
    expect(keys[1]).toBe('unknown');
  });

  it('rejects unusable options at construction', () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    expect(() => new WindowThrottle(store, 'ns', { limit: 0, window: '1m' })).toThrow(/limit/);
    expect(() => new WindowThrottle(store, 'ns', { limit: 1, window: '0ms' })).toThrow(/window/);
  });
});
