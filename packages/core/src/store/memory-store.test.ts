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

  it('copies nested values too, and every record shape exactly — odd field names included', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const written = { id: 'k', hash: `v1$${'h'.repeat(43)}`, expiresAt: null, scopes: ['read'], meta: { plan: { tier: 1 } } };
    await store.put('t', written, { ttlMs: null });
    written.scopes.push('write');
    written.meta.plan.tier = 2;
    expect(await store.get('t', 'k')).toEqual({ id: 'k', hash: `v1$${'h'.repeat(43)}`, expiresAt: null, scopes: ['read'], meta: { plan: { tier: 1 } } });

    // Shapes are cached by their field names: names that would collide when
    // joined, a field literally called __proto__, and a field set to undefined.
    const shapes: Array<Record<string, unknown>> = [
      { id: 's1', hash: 'v1$x', expiresAt: null, 'a\u0000b': 1 },
      { id: 's2', hash: 'v1$x', expiresAt: null, a: 2, b: 3 },
      { id: 's3', hash: 'v1$x', expiresAt: null, a: 4, b: 5 },
      JSON.parse('{"id":"s4","hash":"v1$x","expiresAt":null,"__proto__":{"polluted":true}}'),
      { id: 's5', hash: 'v1$x', expiresAt: null, note: undefined },
    ];
    for (const shape of shapes) await store.put('shapes', shape as never, { ttlMs: null });
    for (const shape of shapes) {
      const stored = (await store.get('shapes', shape['id'] as string)) as unknown as Record<string, unknown>;
      expect(Object.keys(stored), String(shape['id'])).toEqual(Object.keys(shape));
      expect(stored, String(shape['id'])).toEqual(shape);
      expect(Object.getPrototypeOf(stored), String(shape['id'])).toBe(Object.prototype);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();

    // update() merges into a fresh copy of the same kind; the id cannot change.
    const updated = await store.update('t', 'k', { meta: { plan: { tier: 3 } }, id: 'other' } as never);
    expect(updated).toMatchObject({ id: 'k', scopes: ['read'], meta: { plan: { tier: 3 } } });
    expect(await store.get('t', 'other')).toBeNull();
  });

  // Deadlines are stored as int32 ms offsets from a moving base, with exact
  // doubles as the fallback (see memory/slots.ts): every path must
  // still expire at exactly the millisecond the TTL ends.
  describe('TTL deadlines stay exact to the millisecond', () => {
    const DAY = 86_400_000;

    async function expectDropsAt(store: MemoryStore, clock: ManualClock, id: string, at: number) {
      clock.time = at - 1;
      expect(await store.get('t', id)).not.toBeNull();
      clock.time = at;
      expect(await store.get('t', id)).toBeNull();
    }

    it('short, far (> 24.8 days) and endless TTLs', async () => {
      const clock = new ManualClock();
      const store = new MemoryStore({ now: clock.now, sweepIntervalMs: 0 });
      const start = clock.time;
      await store.put('t', record('short'), { ttlMs: 1000 });
      await store.put('t', record('far'), { ttlMs: 90 * DAY + 7 });
      await store.put('t', record('never'), { ttlMs: null });
      await expectDropsAt(store, clock, 'short', start + 1000);
      await expectDropsAt(store, clock, 'far', start + 90 * DAY + 7);
      clock.advance(10_000 * DAY);
      expect(await store.get('t', 'never')).toEqual(record('never'));
    });

    it('after the clock moved weeks on (the offsets are rebased)', async () => {
      const clock = new ManualClock();
      const store = new MemoryStore({ now: clock.now, sweepIntervalMs: 0 });
      const start = clock.time;
      await store.put('t', record('old'), { ttlMs: 60 * DAY });
      await store.put('t', record('gone'), { ttlMs: 1000 });
      await store.indexAdd('ix', 'user', 'old', 60 * DAY);
      clock.advance(40 * DAY);
      await store.put('t', record('new'), { ttlMs: 5000 });
      expect(await store.get('t', 'gone')).toBeNull(); // expired before the rebase, still expired after it
      await expectDropsAt(store, clock, 'new', start + 40 * DAY + 5000);
      await expectDropsAt(store, clock, 'old', start + 60 * DAY);
      clock.time = start + 60 * DAY - 1;
      expect(await store.indexMembers('ix', 'user')).toEqual(['old']);
      clock.time = start + 60 * DAY;
      expect(await store.indexMembers('ix', 'user')).toEqual([]);
    });

    it('with a clock that returns fractional milliseconds', async () => {
      const clock = new ManualClock(1_700_000_000_000.25);
      const store = new MemoryStore({ now: clock.now, sweepIntervalMs: 0 });
      await store.put('t', record('a'), { ttlMs: 100 });
      await expectDropsAt(store, clock, 'a', 1_700_000_000_100.25);
    });

    it('through update, counted use (retainMs) and index extension', async () => {
      const clock = new ManualClock();
      const store = new MemoryStore({ now: clock.now, sweepIntervalMs: 0 });
      const start = clock.time;
      await store.put('t', record('u'), { ttlMs: 1000 });
      await store.update('t', 'u', {}, { ttlMs: 30 * DAY });
      await store.put('t', { ...record('m'), maxUses: 1 }, { ttlMs: null });
      const used = await store.use('t', 'm', { hashes: ['v1$m'], now: start, retainMs: 500 });
      expect(used.ok).toBe(true);
      await store.indexAdd('ix', 'user', 'a', 1000);
      await store.indexAdd('ix', 'user', 'b', 3000);
      await store.indexAdd('ix', 'user', 'c', 2000);
      clock.time = start + 2999;
      expect((await store.indexMembers('ix', 'user')).sort()).toEqual(['a', 'b', 'c']);
      clock.time = start + 3000;
      expect(await store.indexMembers('ix', 'user')).toEqual([]);
      await expectDropsAt(store, clock, 'm', start + 500);
      await expectDropsAt(store, clock, 'u', start + 30 * DAY);
    });
  });

  it('sweep() compacts after mass expiry; freed slots never leak values into other ids', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ now: clock.now, sweepIntervalMs: 0 });
    for (let i = 0; i < 5000; i++) await store.put('t', record(`x${i}`), { ttlMs: i % 10 === 0 ? null : 100 });
    for (let i = 0; i < 3000; i++) await store.indexAdd('ix', `s${i}`, `x${i}`, i % 3 === 0 ? 100_000 : 100);
    await store.delete('t', 'x10');
    await store.put('t', record('reused'), { ttlMs: 200 });
    expect(await store.get('t', 'x10')).toBeNull();
    clock.advance(100);
    store.sweep();
    expect(store.size).toBe(499 + 1 + 1000);
    // White-box: the slot arrays were renumbered down to the live entries.
    const slots = (store as unknown as { recordSlots: { values: unknown[] }; indexSlots: { values: unknown[] } });
    expect(slots.recordSlots.values).toHaveLength(500);
    expect(slots.indexSlots.values).toHaveLength(1000);
    expect(await store.get('t', 'x20')).toEqual(record('x20'));
    expect(await store.get('t', 'x21')).toBeNull();
    expect(await store.indexMembers('ix', 's3')).toEqual(['x3']);
    expect(await store.indexMembers('ix', 's4')).toEqual([]);
    expect(store.dump()).toHaveLength(500);
    await store.put('t', record('after'), { ttlMs: 50 });
    expect(await store.get('t', 'reused')).toEqual(record('reused'));
    clock.advance(50);
    expect(await store.get('t', 'after')).toBeNull();
    expect(await store.get('t', 'reused')).toEqual(record('reused'));
    clock.advance(50);
    expect(await store.get('t', 'reused')).toBeNull();
    expect(await store.get('t', 'x4990')).toEqual(record('x4990'));
    expect(await store.indexMembers('ix', 's2997')).toEqual(['x2997']);
  });

  it('close() drops all state', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 10 });
    await store.put('t', record('a'), { ttlMs: null });
    await store.close();
    expect(store.size).toBe(0);
    expect(await store.get('t', 'a')).toBeNull();
  });
});
