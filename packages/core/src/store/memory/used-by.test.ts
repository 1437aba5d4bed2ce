import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { UsedBySets } from './used-by.js';

describe('UsedBySets', () => {
  it('records subjects per record in order and answers membership', () => {
    const sets = new UsedBySets();
    expect(sets.find('inv', 'a')).toBeUndefined();
    sets.add('inv', 'a', 'u1', sets.find('inv', 'a'));
    sets.add('inv', 'a', 'u2', sets.find('inv', 'a'));
    sets.add('inv', 'b', 'u3', sets.find('inv', 'b'));
    expect(sets.find('inv', 'a')?.members.has('u2')).toBe(true);
    expect(sets.find('inv', 'a')?.order).toEqual(['u1', 'u2']);
    expect(sets.find('other', 'a')).toBeUndefined();
    expect(sets.size).toBe(2);
  });

  it('pages by position with a numeric cursor', () => {
    const sets = new UsedBySets();
    for (let i = 0; i < 5; i++) sets.add('inv', 'a', `u${i}`, sets.find('inv', 'a'));
    const found = sets.find('inv', 'a');
    expect(sets.page(found, { limit: 2 })).toEqual({ ids: ['u0', 'u1'], cursor: '2' });
    expect(sets.page(found, { limit: 2, cursor: '4' })).toEqual({ ids: ['u4'], cursor: null });
    expect(sets.page(found, {}).ids).toHaveLength(5);
    expect(sets.page(undefined, {})).toEqual({ ids: [], cursor: null });
    // A cursor it did not issue is bad input (InvalidArgumentError), not a failure that reads like an outage.
    for (const cursor of ['x', '-1', '1.5', '', ' 1', '01', '1e3', '0x10', '99999999999999999']) {
      expect(() => sets.page(found, { cursor })).toThrow(InvalidArgumentError);
    }
    expect(() => sets.page(undefined, { cursor: 'x' })).toThrow('MemoryStore.usedBy: invalid cursor "x"; the cursor must come from a previous page');
    expect(() => sets.page(found, { limit: 0 })).toThrow(RangeError);
    expect(() => sets.page(undefined, { limit: 1.5 })).toThrow(RangeError);
  });

  it('forget() and prune() drop sets with their record; clear() drops all', () => {
    const sets = new UsedBySets();
    sets.forget('inv', 'none'); // nothing to drop
    for (const id of ['a', 'b', 'c']) sets.add('inv', id, 'u', undefined);
    sets.forget('inv', 'a');
    expect(sets.find('inv', 'a')).toBeUndefined();
    sets.prune((ns, id) => ns === 'inv' && id === 'c');
    expect(sets.find('inv', 'b')).toBeUndefined();
    expect(sets.find('inv', 'c')).toBeDefined();
    sets.clear();
    expect(sets.size).toBe(0);
  });

  it('splits keys at the first NUL, so ids may contain one', () => {
    const sets = new UsedBySets();
    sets.add('inv', 'x\u0000y', 'u', undefined);
    const seen: Array<[string, string]> = [];
    sets.prune((ns, id) => {
      seen.push([ns, id]);
      return true;
    });
    expect(seen).toEqual([['inv', 'x\u0000y']]);
  });
});
