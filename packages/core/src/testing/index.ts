/**
 * `@tokenkit/core/testing` — the store conformance kit. Run every case the
 * repo's own stores pass against your `Store` implementation, from any test
 * runner (the cases use `node:assert`, no runner is imported).
 */
import type { Store } from '../store/types.js';
import { CaseRegistry, SkipCase } from './expect.js';
import { defineStoreConformance, type StoreHarness } from './suite.js';

export { InstrumentedStore, type StoreMethod } from './instrumented-store.js';
export type { StoreHarness } from './suite.js';

/** Options of {@link runStoreConformance}. */
export interface StoreConformanceOptions {
  /**
   * Everything the store holds, as text (e.g. every row or key of this run).
   * Enables the at-rest case (no raw credential or secret part in the dump);
   * without it that case is reported in `skipped`.
   */
  dump?: (store: Store) => Promise<string>;
  /**
   * Called once after the last case instead of `store.close()` (e.g. to drop
   * the test schema or prefix and close the connection you opened).
   */
  teardown?: (store: Store) => Promise<void>;
  /** Run only the cases with these names (see {@link storeConformanceCases}). */
  only?: readonly string[];
  /** Called after each case, e.g. to print progress. */
  onResult?: (name: string, error: string | null) => void;
}

/** What {@link runStoreConformance} reports. */
export interface StoreConformanceResult {
  passed: string[];
  failed: { name: string; error: string }[];
  /** Cases that could not run against this store, with the reason (e.g. no `dump` option). */
  skipped: { name: string; reason: string }[];
}

function collect(makeHarness: () => Promise<StoreHarness>): CaseRegistry {
  const registry = new CaseRegistry();
  defineStoreConformance(registry, makeHarness);
  return registry;
}

/** The names of every conformance case, in the order they run (`group > case`). */
export const storeConformanceCases: readonly string[] = collect(() => Promise.reject(new Error('not run'))).cases.map(
  (c) => c.name,
);

function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Runs the store conformance cases — records, TTLs, single-use consume, the
 * guarded counted `use` in its check order, window counters, subject indexes
 * and the three managers on top, including races (200 parallel consumes →
 * exactly one winner; N redeemers → min(N, maxUses)) — one after another on
 * one store, and reports instead of throwing.
 *
 * @param makeStore - creates the store under test (called once)
 * @param options - at-rest dump, teardown, a subset of cases
 * @returns the names that passed, and each failure with its error
 * @example
 * ```ts
 * import { runStoreConformance } from '@tokenkit/core/testing'
 * const { failed } = await runStoreConformance(() => new MyStore())
 * assert.deepEqual(failed, [])
 * ```
 */
export async function runStoreConformance(
  makeStore: () => Store | Promise<Store>,
  options: StoreConformanceOptions = {},
): Promise<StoreConformanceResult> {
  const result: StoreConformanceResult = { passed: [], failed: [], skipped: [] };
  const registry = collect(async () => {
    const store = await makeStore();
    const dump = options.dump;
    return {
      store,
      dump: dump ? () => dump(store) : undefined,
      close: async () => {
        if (options.teardown) await options.teardown(store);
        else await store.close?.();
      },
    };
  });
  const only = options.only ? new Set(options.only) : null;
  const selected = registry.cases.filter((c) => only === null || only.has(c.name));
  try {
    for (const setup of registry.setup) await setup();
  } catch (error) {
    const message = `store setup failed: ${describeError(error)}`;
    for (const c of selected) result.failed.push({ name: c.name, error: message });
    return result;
  }
  try {
    for (const c of selected) {
      try {
        await c.run();
        result.passed.push(c.name);
        options.onResult?.(c.name, null);
      } catch (error) {
        if (error instanceof SkipCase) {
          result.skipped.push({ name: c.name, reason: error.message });
          options.onResult?.(c.name, null);
          continue;
        }
        const message = describeError(error);
        result.failed.push({ name: c.name, error: message });
        options.onResult?.(c.name, message);
      }
    }
  } finally {
    for (const teardown of registry.teardown) await teardown();
  }
  return result;
}
