import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../errors.js';
import { ManualClock } from '../test-utils/stores.js';
import { MemoryStore } from './memory-store.js';

// Store semantics (TTL, consume, use, windows, indexes, races, at rest) are in
// test/store-conformance; these cases cover what only MemoryStore has.
describe('MemoryStore specifics', () => {
  const record = (id: string, expiresAt: number | null = null) => ({ id, hash: `v1$${id}`, expiresAt });

  it('size counts records, counters and index sets; sweep() drops what is past its TTL', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ now: clock.now, sweepIntervalMs: 0 });
    await store.put('t', record('a'), { ttlMs: 1000 });
    await store.put('t', record('b'), { ttlMs: null });
    await store.hit('w', 'ip', 500);
    await store.indexAdd('ix', 'user', 'a', 1000);
    expect(store.size).toBe(4);
    clock.advance(1000);
    store.sweep();
    expect(store.size).toBe(1);
    expect(store.dump()).toEqual([{ ns: 't', record: record('b') }]);
  });

  it('when full it sweeps expired entries first, then rejects with StoreUnavailableError (never evicts live ones)', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ now: clock.now, sweepIntervalMs: 0, maxEntries: 2 });
    await store.put('t', record('old'), { ttlMs: 10 });
    await store.put('t', record('live'), { ttlMs: null });
    await expect(store.put('t', record('new'), { ttlMs: null })).rejects.toBeInstanceOf(StoreUnavailableError);
    clock.advance(10);
    expect(await store.put('t', record('new'), { ttlMs: null })).toBe(true);
    await expect(store.hit('w', 'k', 1000)).rejects.toThrow('MemoryStore is full (maxEntries=2)');
    expect(await store.get('t', 'live')).toEqual(record('live'));
    // Overwriting an existing id needs no new slot.
    expect(await store.put('t', record('live'), { ttlMs: null })).toBe(true);
  });

  it('stores copies: mutating the written object does not change the stored record', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const r = record('a');
    await store.put('t', r, { ttlMs: null });
    r.hash = 'changed';
    expect((await store.get('t', 'a'))?.hash).toBe('v1$a');
  });

  it('close() drops all state', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 10 });
    await store.put('t', record('a'), { ttlMs: null });
    await store.close();
    expect(store.size).toBe(0);
    expect(await store.get('t', 'a')).toBeNull();
  });
});
