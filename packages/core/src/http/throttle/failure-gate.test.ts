import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../store/memory-store.js';
import { InstrumentedStore } from '../../testing/instrumented-store.js';
import { FailureGate, FREE_IN_FLIGHT, MAX_WAITING_PER_CLIENT, PROVEN_IN_FLIGHT } from './failure-gate.js';
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

/** A gate on an instrumented MemoryStore, and a verification that answers after `ms` (a network store) and counts its runs. */
function setup(limit: number) {
  const store = new InstrumentedStore(new MemoryStore({ sweepIntervalMs: 0 }));
  const gate = new FailureGate(store, 'throttle:test', { limit, window: '1m' });
  const stats = { verified: 0, running: 0, maxRunning: 0 };
  const verify = async (valid: boolean, ms = 5) => {
    stats.verified++;
    stats.maxRunning = Math.max(stats.maxRunning, ++stats.running);
    await sleep(ms);
    stats.running--;
    return valid;
  };
  const run = (ip: string, valid: boolean, ms?: number) => gate.run(ip, () => verify(valid, ms), (ok) => !ok);
  return { store, gate, stats, run };
}

describe('FailureGate', () => {
  it('runs a clean client free, makes it wait locally beyond its cap, reserves for a suspect, blocks a suspect over the limit', async () => {
    const { store, gate } = setup(2);
    expect(gate.quiet).toBe(true);
    expect(gate.admit('ip')).toBe('free');
    for (let i = 0; i < FREE_IN_FLIGHT; i++) gate.begin('ip');
    expect(gate.admit('ip')).toBe('reserve'); // too many unreserved in flight: acquire waits for a place
    const waiting = gate.acquire('ip');
    gate.end('ip', 'proven');
    expect(await waiting).toBe('begun'); // the place that was freed, taken for it
    expect(store.calls.hit).toBe(0);
    for (let i = 0; i < FREE_IN_FLIGHT; i++) gate.end('ip');
    expect(gate.quiet).toBe(true);
    expect(await gate.failed('ip')).toBe(0);
    expect(gate.admit('ip')).toBe('reserve');
    expect(gate.admit('other')).toBe('free');
    expect(await gate.acquire('ip')).toBe('reserved'); // count 2 = limit
    const blocked = await gate.acquire('ip');
    expect(blocked).toBeGreaterThan(59_000);
    expect(gate.admit('ip')).toBeGreaterThan(59_000);
  });

  it('200 parallel valid verifications from one client behind a slow store: all pass, no throttle store call, little delay', async () => {
    const { store, gate, stats, run } = setup(3);
    const started = performance.now();
    const outcomes = await Promise.all(Array.from({ length: 200 }, () => run('10.0.0.1', true, 10)));
    const elapsed = performance.now() - started;
    expect(outcomes.every((o) => 'result' in o && o.result === true)).toBe(true);
    expect(store.total()).toBe(0);
    expect(stats.maxRunning).toBeGreaterThan(FREE_IN_FLIGHT); // not serialised two at a time…
    expect(stats.maxRunning).toBeLessThanOrEqual(PROVEN_IN_FLIGHT); // …but capped
    // Two at a time would take 100 rounds of 10 ms; the cap grows by one per success instead.
    expect(elapsed).toBeLessThan(600);
    expect(gate.quiet).toBe(true);
    // A second wave starts at the cap the first one earned.
    stats.maxRunning = 0;
    await Promise.all(Array.from({ length: 200 }, () => run('10.0.0.1', true, 10)));
    expect(stats.maxRunning).toBe(PROVEN_IN_FLIGHT);
    expect(store.total()).toBe(0);
  });

  it('1000 parallel failing verifications from one clean client: at most limit + FREE_IN_FLIGHT verified, the rest 429', async () => {
    const { gate, stats, run } = setup(3);
    const outcomes = await Promise.all(Array.from({ length: 1000 }, () => run('10.0.0.2', false)));
    expect(stats.verified).toBeLessThanOrEqual(3 + FREE_IN_FLIGHT);
    expect(outcomes.filter((o) => 'retryAfterMs' in o).length).toBeGreaterThanOrEqual(1000 - 3 - FREE_IN_FLIGHT);
    expect(gate.admit('10.0.0.2')).toBeGreaterThan(0);
  });

  it('a client that proved a valid key: a burst of failures gets at most limit + PROVEN_IN_FLIGHT verified, and the proof is lost', async () => {
    const { gate, stats, run } = setup(3);
    await Promise.all(Array.from({ length: 200 }, () => run('10.0.0.3', true, 2)));
    stats.verified = 0;
    const outcomes = await Promise.all(Array.from({ length: 1000 }, () => run('10.0.0.3', false)));
    expect(stats.verified).toBeLessThanOrEqual(3 + PROVEN_IN_FLIGHT);
    expect(outcomes.filter((o) => 'retryAfterMs' in o).length).toBeGreaterThanOrEqual(1000 - 3 - PROVEN_IN_FLIGHT);
    expect(gate.admit('10.0.0.3')).toBeGreaterThan(0);
  });

  it('a failure sends the waiting requests to the reserve path; a block answers them 429 without verifying', async () => {
    const { store, gate } = setup(1);
    for (let i = 0; i < FREE_IN_FLIGHT; i++) gate.begin('ip');
    const waiters = Array.from({ length: 5 }, () => gate.acquire('ip'));
    gate.end('ip', 'failed'); // a suspect now: the waiters reserve, one slot each while the window has room
    expect(await gate.failed('ip')).toBe(0); // count 1 = limit
    const answers = await Promise.all(waiters);
    expect(answers.filter((a) => a === 'reserved')).toEqual([]); // the failure filled the window first
    expect(answers.every((a) => typeof a === 'number' && a > 59_000)).toBe(true);
    expect(store.calls.hit).toBe(1 + 5);

    const other = setup(1);
    for (let i = 0; i < FREE_IN_FLIGHT; i++) other.gate.begin('ip');
    const blockedWaiters = Array.from({ length: 5 }, () => other.gate.acquire('ip'));
    other.gate.counter.block('ip', 30_000); // e.g. learnt by a failure of this client
    other.gate.end('ip');
    const blocked = await Promise.all(blockedWaiters);
    expect(blocked.every((a) => typeof a === 'number' && a > 29_000)).toBe(true);
    expect(other.store.total()).toBe(0);
  });

  it('bounds the waiting requests of one client: beyond MAX_WAITING_PER_CLIENT they are answered 429 at once', async () => {
    const { store, gate } = setup(3);
    for (let i = 0; i < FREE_IN_FLIGHT; i++) gate.begin('ip');
    const waiters = Array.from({ length: MAX_WAITING_PER_CLIENT }, () => gate.acquire('ip'));
    const over = await gate.acquire('ip');
    expect(over).toBeGreaterThan(0);
    expect(over).toBeLessThanOrEqual(1000);
    expect(await gate.acquire('other')).toBe('begun'); // other clients are not affected
    gate.end('other');
    for (let i = 0; i < MAX_WAITING_PER_CLIENT + FREE_IN_FLIGHT; i++) gate.end('ip', 'proven');
    expect((await Promise.all(waiters)).every((a) => a === 'begun')).toBe(true);
    expect(gate.quiet).toBe(true);
    expect(store.total()).toBe(0);
  });
});
