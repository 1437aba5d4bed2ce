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

/** The matchers the cases use (a subset of vitest's/jest's, same names and meaning). */
export interface Matchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toStrictEqual(expected: unknown): void;
  toBeNull(): void;
  toBeUndefined(): void;
  toBeDefined(): void;
  toBeTruthy(): void;
  toBeFalsy(): void;
  toBeTypeOf(type: string): void;
  toMatchObject(expected: Record<string, unknown>): void;
  toHaveLength(length: number): void;
  /** The value has an own or inherited property of this name (not a nested path). */
  toHaveProperty(name: string): void;
  toContain(item: unknown): void;
  toMatch(pattern: RegExp | string): void;
  toBeGreaterThan(bound: number): void;
  toBeGreaterThanOrEqual(bound: number): void;
  toBeLessThan(bound: number): void;
  toBeLessThanOrEqual(bound: number): void;
}

/** `expect(promise).rejects` / `.resolves`: the matchers applied to the settled value. */
export interface AsyncMatchers {
  toThrow(expected?: RegExp | string): Promise<void>;
  toMatchObject(expected: Record<string, unknown>): Promise<void>;
  toEqual(expected: unknown): Promise<void>;
  toBe(expected: unknown): Promise<void>;
}

function matchers(actual: unknown): Matchers {
  const num = (bound: number, ok: (a: number) => boolean, op: string) =>
    assert.ok(typeof actual === 'number' && ok(actual), `expected ${String(actual)} ${op} ${bound}`);
  return {
    toBe: (expected) => assert.strictEqual(actual, expected),
    toEqual: (expected) => assert.deepStrictEqual(plain(actual), plain(expected)),
    toStrictEqual: (expected) => assert.deepStrictEqual(actual, expected),
    toBeNull: () => assert.strictEqual(actual, null),
    toBeUndefined: () => assert.strictEqual(actual, undefined),
    toBeDefined: () => assert.notStrictEqual(actual, undefined),
    toBeTruthy: () => assert.ok(actual, `expected ${String(actual)} to be truthy`),
    toBeFalsy: () => assert.ok(!actual, `expected ${String(actual)} to be falsy`),
    toBeTypeOf: (type) => assert.strictEqual(typeof actual, type),
    toMatchObject: (expected) => matchesSubset(actual, expected),
    toHaveLength: (length) => {
      assert.ok(actual != null && typeof (actual as { length?: unknown }).length === 'number', 'expected a value with a length');
      assert.strictEqual((actual as { length: number }).length, length);
    },
    toHaveProperty: (name) =>
      assert.ok(actual != null && name in Object(actual), `expected ${JSON.stringify(actual)} to have property ${name}`),
    toContain: (item) => {
      const has =
        typeof actual === 'string'
          ? typeof item === 'string' && actual.includes(item)
          : Array.isArray(actual) && actual.includes(item);
      assert.ok(has, `expected ${JSON.stringify(actual)} to contain ${JSON.stringify(item)}`);
    },
    toMatch: (pattern) => {
      assert.strictEqual(typeof actual, 'string', 'expected a string');
      if (typeof pattern === 'string') assert.ok((actual as string).includes(pattern), `expected to contain ${pattern}`);
      else assert.match(actual as string, pattern);
    },
    toBeGreaterThan: (bound) => num(bound, (a) => a > bound, '>'),
    toBeGreaterThanOrEqual: (bound) => num(bound, (a) => a >= bound, '>='),
    toBeLessThan: (bound) => num(bound, (a) => a < bound, '<'),
    toBeLessThanOrEqual: (bound) => num(bound, (a) => a <= bound, '<='),
  };
}

/** Every matcher inverted: passes when the positive matcher throws an assertion error. */
function negated(actual: unknown): Matchers {
  const positive = matchers(actual);
  return Object.fromEntries(
    Object.entries(positive).map(([name, matcher]) => [
      name,
      (...args: unknown[]) => {
        try {
          (matcher as (...a: unknown[]) => void)(...args);
        } catch (error) {
          if (error instanceof assert.AssertionError) return;
          throw error;
        }
        throw new assert.AssertionError({ message: `expected not ${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`, actual });
      },
    ]),
  ) as unknown as Matchers;
}

function settled(promise: unknown, want: 'rejects' | 'resolves'): AsyncMatchers {
  const outcome = async (): Promise<unknown> => {
    try {
      const value = await promise;
      if (want === 'rejects') throw new assert.AssertionError({ message: 'expected the promise to reject', actual: value });
      return value;
    } catch (error) {
      if (want === 'resolves' || error instanceof assert.AssertionError) throw error;
      return error;
    }
  };
  return {
    toThrow: async (expected) => {
      const error = await outcome();
      if (expected === undefined) return;
      const message = error instanceof Error ? error.message : String(error);
      if (typeof expected === 'string') assert.ok(message.includes(expected), `expected "${message}" to include "${expected}"`);
      else assert.match(message, expected);
    },
    toMatchObject: async (expected) => matchesSubset(await outcome(), expected),
    toEqual: async (expected) => matchers(await outcome()).toEqual(expected),
    toBe: async (expected) => matchers(await outcome()).toBe(expected),
  };
}

/**
 * A minimal `expect` on `node:assert` (failures throw `AssertionError`).
 *
 * @param actual - the value under test
 * @returns its matchers, `.not`, `.rejects` and `.resolves`
 */
export function expect(actual: unknown): Matchers & { not: Matchers; rejects: AsyncMatchers; resolves: AsyncMatchers } {
  return Object.assign(matchers(actual), {
    not: negated(actual),
    rejects: settled(actual, 'rejects'),
    resolves: settled(actual, 'resolves'),
  });
}
