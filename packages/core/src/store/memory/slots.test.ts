import { describe, expect, it } from 'vitest';
import { deadline, MIN_SLOTS, Slots } from './slots.js';

const DAY = 86_400_000;
const NOW = 1_700_000_000_000;

/** Deadline is exact: live one ms before, expired at it. */
function expectExpiresAt(slots: Slots<unknown>, slot: number, at: number) {
  expect(slots.expired(slot, at - 1), `live at ${at} - 1`).toBe(false);
  expect(slots.expired(slot, at), `expired at ${at}`).toBe(true);
  expect(slots.dropAt(slot)).toBe(at);
}

describe('Slots', () => {
  it('add() hands out dense slots holding the value and its deadline', () => {
    const slots = new Slots<string>();
    const a = slots.add('a', NOW + 1000, NOW);
    const b = slots.add('b', Number.POSITIVE_INFINITY, NOW);
    expect([a, b]).toEqual([0, 1]);
    expect(slots.values).toEqual(['a', 'b']);
    expectExpiresAt(slots, a, NOW + 1000);
    expect(slots.expired(b, NOW + 10_000 * DAY)).toBe(false);
    expect(slots.dropAt(b)).toBe(Number.POSITIVE_INFINITY);
  });

  it('setDropAt() moves a deadline both ways; a deadline in the past is already expired', () => {
    const slots = new Slots<string>();
    const slot = slots.add('a', NOW + 1000, NOW);
    slots.setDropAt(slot, NOW + 5000, NOW);
    expectExpiresAt(slots, slot, NOW + 5000);
    slots.setDropAt(slot, NOW - 1, NOW);
    expect(slots.expired(slot, NOW)).toBe(true);
    slots.setDropAt(slot, Number.POSITIVE_INFINITY, NOW);
    expect(slots.expired(slot, NOW + 10_000 * DAY)).toBe(false);
  });

  it('far deadlines (beyond an int32 ms offset) and fractional ones stay exact', () => {
    const slots = new Slots<string>();
    const near = slots.add('near', NOW + 1000, NOW);
    const far = slots.add('far', NOW + 90 * DAY + 7, NOW);
    const fraction = slots.add('fraction', NOW + 100.25, NOW);
    expectExpiresAt(slots, near, NOW + 1000);
    expectExpiresAt(slots, far, NOW + 90 * DAY + 7);
    expect(slots.expired(fraction, NOW + 100)).toBe(false);
    expect(slots.expired(fraction, NOW + 100.25)).toBe(true);
    expect(slots.dropAt(fraction)).toBe(NOW + 100.25);
  });

  it('rebases when a near deadline stops fitting: older deadlines keep their exact value', () => {
    const slots = new Slots<string>();
    const old = slots.add('old', NOW + 20 * DAY, NOW);
    const gone = slots.add('gone', NOW + 1000, NOW);
    const later = NOW + 40 * DAY;
    // 40 days after the base no longer fits an int32 offset: base moves to `later`.
    const fresh = slots.add('fresh', later + 5000, later);
    expectExpiresAt(slots, fresh, later + 5000);
    expectExpiresAt(slots, old, NOW + 20 * DAY);
    expectExpiresAt(slots, gone, NOW + 1000);
    // A deadline that fits neither the old nor the new base is kept as a double.
    const farther = slots.add('farther', later + 60 * DAY, later);
    expectExpiresAt(slots, farther, later + 60 * DAY);
  });

  it('release() frees a slot for reuse (LIFO) and clears its value', () => {
    const slots = new Slots<string>();
    const a = slots.add('a', NOW + 1000, NOW);
    const b = slots.add('b', NOW + 1000, NOW);
    slots.release(a);
    slots.release(b);
    expect(slots.values[a]).toBeUndefined();
    expect(slots.add('c', NOW + 2000, NOW)).toBe(b);
    expect(slots.add('d', NOW + 3000, NOW)).toBe(a);
    expectExpiresAt(slots, a, NOW + 3000);
    expect(slots.add('e', NOW, NOW)).toBe(2);
  });

  it('grows past its initial capacity, keeping every deadline (far ones too)', () => {
    const slots = new Slots<number>();
    slots.add(-1, NOW + 90 * DAY, NOW); // allocates the far array at the initial size
    for (let i = 0; i < MIN_SLOTS * 3; i++) slots.add(i, NOW + i, NOW);
    const last = slots.add(99, NOW + 91 * DAY, NOW);
    expect(slots.dropAt(0)).toBe(NOW + 90 * DAY);
    expect(slots.dropAt(1 + MIN_SLOTS * 2)).toBe(NOW + MIN_SLOTS * 2);
    expectExpiresAt(slots, last, NOW + 91 * DAY);
  });

  it('is sparse when more than half of many slots are free; compact() renumbers the live ones densely', () => {
    const slots = new Slots<string>();
    const table = new Map<string, number>();
    const other = new Map<string, number>();
    const total = MIN_SLOTS * 4;
    for (let i = 0; i < total; i++) {
      const dropAt = i % 1000 === 0 ? NOW + 90 * DAY + i : NOW + i;
      (i % 2 === 0 ? table : other).set(`k${i}`, slots.add(`v${i}`, dropAt, NOW));
    }
    expect(slots.sparse).toBe(false);
    for (const [key, slot] of [...table, ...other]) {
      const i = Number(key.slice(1));
      if (i % 3 !== 0) {
        slots.release(slot);
        (i % 2 === 0 ? table : other).delete(key);
      }
    }
    expect(slots.sparse).toBe(true);
    slots.compact([table, other]);
    expect(slots.sparse).toBe(false);
    expect(slots.values).toHaveLength(table.size + other.size);
    for (const [key, slot] of [...table, ...other]) {
      const i = Number(key.slice(1));
      expect(slots.values[slot]).toBe(`v${i}`);
      expect(slots.dropAt(slot)).toBe(i % 1000 === 0 ? NOW + 90 * DAY + i : NOW + i);
    }
    // New slots continue after the dense ones.
    expect(slots.add('new', NOW, NOW)).toBe(table.size + other.size);
  });

  it('is not sparse while small: compacting a few slots is not worth it', () => {
    const slots = new Slots<string>();
    for (let i = 0; i < 10; i++) slots.release(slots.add('x', NOW, NOW));
    expect(slots.sparse).toBe(false);
  });

  it('clear() drops every value and starts over at slot 0', () => {
    const slots = new Slots<string>();
    slots.add('a', NOW + 90 * DAY, NOW);
    slots.add('b', NOW, NOW);
    slots.clear();
    expect(slots.values).toEqual([]);
    const slot = slots.add('c', NOW + 1000, NOW);
    expect(slot).toBe(0);
    expectExpiresAt(slots, slot, NOW + 1000);
  });
});

describe('deadline', () => {
  it('is now + ttl, never before now, and Infinity for no TTL', () => {
    expect(deadline(NOW, 1000)).toBe(NOW + 1000);
    expect(deadline(NOW, -5)).toBe(NOW);
    expect(deadline(NOW, null)).toBe(Number.POSITIVE_INFINITY);
  });
});
