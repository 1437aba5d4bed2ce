import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../store/memory-store.js';
import { FailureGate, FREE_IN_FLIGHT } from './failure-gate.js';
import { WindowThrottle } from './index.js';

describe('WindowThrottle.refund', () => {
  it('gives an event back with one non-negative hit, also many times over and across a window reset', async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ sweepIntervalMs: 0, now: () => now });
    const throttle = new WindowThrottle(store, 'throttle:test', { limit: 3, window: '1s' }, () => now);
    for (let i = 0; i < 1000; i++) {
      await throttle.count('ip');
      await throttle.refund('ip');
    }
    expect((await throttle.count('ip')).count).toBe(1);
    now += 1001;
    await throttle.refund('ip'); // lands in a fresh window: one event short, never a huge count
    expect((await throttle.count('ip')).count).toBe(0);
    expect((await throttle.hit('ip')).count).toBe(1);
    await store.close();
  });
});

describe('FailureGate', () => {
  it('runs a clean client free, reserves for a suspect, and blocks a suspect over the limit', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const gate = new FailureGate(store, 'throttle:test', { limit: 2, window: '1m' });
    expect(gate.quiet).toBe(true);
    expect(gate.admit('ip')).toBe('free');
    for (let i = 0; i < FREE_IN_FLIGHT; i++) gate.begin('ip');
    expect(gate.admit('ip')).toBe('reserve'); // too many unreserved in flight
    for (let i = 0; i < FREE_IN_FLIGHT; i++) gate.end('ip');
    expect(gate.quiet).toBe(true);
    expect(await gate.failed('ip')).toBe(0);
    expect(gate.admit('ip')).toBe('reserve');
    expect(gate.admit('other')).toBe('free');
    expect(await gate.acquire('ip')).toBe('reserved'); // count 2 = limit
    const blocked = await gate.acquire('ip');
    expect(blocked).toBeGreaterThan(59_000);
    expect(gate.admit('ip')).toBeGreaterThan(59_000);
    await store.close();
  });

  it('a clean client whose window is full of its own requests waits instead of a 429', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const gate = new FailureGate(store, 'throttle:test', { limit: 1, window: '1m' });
    expect(await gate.acquire('ip')).toBe('reserved'); // a valid request in flight holds the only slot
    const waiting = gate.acquire('ip');
    setTimeout(() => gate.refund('ip'), 5); // …until it succeeds and gives the slot back
    expect(await waiting).toMatch(/^(reserved|begun)$/);
    await store.close();
  });
});
