import { AssertionError } from 'node:assert';
import { describe, expect as vitestExpect, it } from 'vitest';
import { CaseRegistry, expect } from './expect.js';

const fails = (fn: () => void) => vitestExpect(fn).toThrow(AssertionError);

describe('the kit’s expect (node:assert underneath)', () => {
  it('passes and fails like the runner matchers of the same name', async () => {
    expect({ a: 1, b: undefined }).toEqual({ a: 1 });
    fails(() => expect({ a: 1 }).toEqual({ a: 2 }));
    expect([1, 2]).toHaveLength(2);
    expect({ a: undefined }).toHaveProperty('a');
    expect({ a: 1 }).not.toHaveProperty('b');
    fails(() => expect({ a: 1 }).toHaveProperty('b'));
    expect('abc').toContain('b');
    expect([1, 2]).toContain(2);
    expect('abc').toMatch(/b/);
    expect(3).toBeGreaterThanOrEqual(3);
    expect(2).toBeLessThan(3);
    expect({ ok: true, record: { id: 'x', n: 1 } }).toMatchObject({ record: { id: 'x' } });
    fails(() => expect({ ok: false }).toMatchObject({ ok: true }));
    expect(null).not.toBeUndefined();
    expect(1).not.toBe(2);
    fails(() => expect(1).not.toBe(1));
    await expect(Promise.reject(new Error('down'))).rejects.toThrow(/down/);
    await expect(Promise.resolve({ a: 1 })).resolves.toEqual({ a: 1 });
    await vitestExpect(expect(Promise.resolve(1)).rejects.toThrow()).rejects.toThrow(AssertionError);
  });

  it('the registry names cases "group > case" and runs nothing while collecting', () => {
    const registry = new CaseRegistry();
    let ran = false;
    registry.describe('outer', () => {
      registry.describe('inner', () => {
        registry.it('case', () => {
          ran = true;
        });
      });
    });
    vitestExpect(registry.cases.map((c) => c.name)).toEqual(['outer > inner > case']);
    vitestExpect(ran).toBe(false);
  });
});
