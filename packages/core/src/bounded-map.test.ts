import { describe, expect, it } from 'vitest';
import { setBounded } from './bounded-map.js';

/** A map that counts the entries its iterators yield, to see how much of it the helper walks. */
class CountingMap<K, V> extends Map<K, V> {
  visited = 0;

  override [Symbol.iterator](): MapIterator<[K, V]> {
    return this.counted(super[Symbol.iterator]());
  }

  override entries(): MapIterator<[K, V]> {
    return this.counted(super.entries());
  }

  override keys(): MapIterator<K> {
    return this.counted(super.keys());
  }

  override values(): MapIterator<V> {
    return this.counted(super.values());
  }

  override forEach(callback: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    super.forEach((value, key, map) => {
      this.visited++;
      callback.call(thisArg, value, key, map);
    });
  }

  private counted<T>(inner: MapIterator<T>): MapIterator<T> {
    const next = inner.next.bind(inner);
    inner.next = () => {
      const step = next();
      if (!step.done) this.visited++;
      return step;
    };
    return inner;
  }
}

const never = (): boolean => false;

describe('setBounded', () => {
  it('a full map of live entries costs a few visits per new key, not a scan of the map', () => {
    const max = 10_000;
    const map = new CountingMap<string, number>();
    for (let i = 0; i < max; i++) map.set(`live-${i}`, i);
    map.visited = 0;
    for (let i = 0; i < 1000; i++) {
      setBounded(map, max, `new-${i}`, i, never);
      expect(map.size).toBe(max);
    }
    expect(map.visited).toBeLessThanOrEqual(3 * 1000);
    // The oldest live entries went, in insertion order.
    expect(map.has('live-999')).toBe(false);
    expect(map.has('live-1000')).toBe(true);
    expect(map.has('new-999')).toBe(true);
  });

  it('drops expired entries from the front first, then stops at the first live one', () => {
    const map = new Map<string, number>([
      ['a', 1],
      ['b', 2],
      ['c', 10],
      ['d', 11],
    ]);
    setBounded(map, 4, 'e', 12, (until) => until <= 5);
    expect([...map.keys()]).toEqual(['c', 'd', 'e']);
  });

  it('drops expired front entries even when there is room', () => {
    const map = new Map<string, number>([
      ['a', 1],
      ['b', 10],
    ]);
    setBounded(map, 100, 'c', 12, (until) => until <= 5);
    expect([...map.keys()]).toEqual(['b', 'c']);
  });

  it('evicts the oldest live entry when full and nothing expired', () => {
    const map = new Map<string, number>([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    setBounded(map, 3, 'd', 4, never);
    expect([...map.entries()]).toEqual([
      ['b', 2],
      ['c', 3],
      ['d', 4],
    ]);
  });

  it('updates an existing key without evicting another, and moves it to the back', () => {
    const map = new Map<string, number>([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    setBounded(map, 3, 'a', 9, never);
    expect([...map.entries()]).toEqual([
      ['b', 2],
      ['c', 3],
      ['a', 9],
    ]);
  });

  it('never exceeds max', () => {
    const map = new Map<number, number>();
    for (let i = 0; i < 50; i++) {
      setBounded(map, 7, i % 11, i, (v) => v % 3 === 0);
      expect(map.size).toBeLessThanOrEqual(7);
      expect(map.get(i % 11)).toBe(i);
    }
  });
});
