/**
 * The few test-runner pieces the conformance cases use — `describe`, `it`,
 * `beforeAll`, `afterAll` and an `expect` with the matchers the cases need —
 * built on `node:assert`, so the kit runs under vitest, jest, `node:test`,
 * mocha or a plain script alike.
 */
import assert from 'node:assert/strict';

/** A case that cannot run against this store (e.g. no `dump` given) throws this. */
export class SkipCase extends Error {
  override readonly name = 'SkipCase';
}

/**
 * Ends the current case as skipped.
 *
 * @param reason - why, reported beside the case name
 */
export function skip(reason: string): never {
  throw new SkipCase(reason);
}

/** One registered case: its full name (`group > case`) and body. */
export interface ConformanceCase {
  name: string;
  run(): Promise<void>;
}

/** Collects cases the way a test runner's `describe`/`it` would, without running them. */
export class CaseRegistry {
  readonly cases: ConformanceCase[] = [];
  readonly setup: Array<() => Promise<void>> = [];
  readonly teardown: Array<() => Promise<void>> = [];
  private readonly groups: string[] = [];

  readonly describe = (name: string, body: () => void): void => {
    this.groups.push(name);
    try {
      body();
    } finally {
      this.groups.pop();
    }
  };

  readonly it = (name: string, body: () => Promise<unknown> | unknown): void => {
    this.cases.push({
      name: [...this.groups, name].join(' > '),
      run: async () => {
        await body();
      },
    });
  };

  readonly beforeAll = (body: () => Promise<unknown> | unknown): void => {
    this.setup.push(async () => {
      await body();
    });
  };

  readonly afterAll = (body: () => Promise<unknown> | unknown): void => {
    this.teardown.push(async () => {
      await body();
    });
  };
}

/** JSON-shaped copy: drops `undefined` properties the way test runners' `toEqual` ignores them. */
function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function matchesSubset(actual: unknown, expected: Record<string, unknown>): void {
  assert.ok(typeof actual === 'object' && actual !== null, `expected an object, got ${String(actual)}`);
  for (const [key, value] of Object.entries(expected)) {
    const got: unknown = (actual as Record<string, unknown>)[key];
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      matchesSubset(got, value as Record<string, unknown>);
    } else {
      assert.deepStrictEqual(plain(got), plain(value), `property ${key}`);
    }
  }
}

/** The matchers the cases use. */
export interface Matchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toBeNull(): void;
  toMatchObject(expected: Record<string, unknown>): void;
  toHaveLength(length: number): void;
  toBeGreaterThan(bound: number): void;
  toBeLessThanOrEqual(bound: number): void;
  not: { toBeNull(): void };
}

/**
 * A minimal `expect` on `node:assert` (failures throw `AssertionError`).
 *
 * @param actual - the value under test
 * @returns its matchers
 */
export function expect(actual: unknown): Matchers {
  return {
    toBe: (expected) => assert.strictEqual(actual, expected),
    toEqual: (expected) => assert.deepStrictEqual(plain(actual), plain(expected)),
    toBeNull: () => assert.strictEqual(actual, null),
    toMatchObject: (expected) => matchesSubset(actual, expected),
    toHaveLength: (length) => {
      assert.ok(actual != null && typeof (actual as { length?: unknown }).length === 'number', 'expected a value with a length');
      assert.strictEqual((actual as { length: number }).length, length);
    },
    toBeGreaterThan: (bound) => assert.ok((actual as number) > bound, `expected ${String(actual)} > ${bound}`),
    toBeLessThanOrEqual: (bound) => assert.ok((actual as number) <= bound, `expected ${String(actual)} <= ${bound}`),
    not: { toBeNull: () => assert.notStrictEqual(actual, null) },
  };
}
