/**
 * The repo's vitest wrapper around the published kit (`@tokenkit/core/testing`):
 * one vitest test per conformance case, all on one harness per store.
 */
import { runStoreConformance, type StoreHarness, storeConformanceCases } from '@tokenkit/core/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';

export type { StoreHarness } from '@tokenkit/core/testing';

/**
 * Registers every conformance case as a vitest test.
 *
 * @param name - label of the describe block
 * @param makeHarness - creates the store, its dump and its cleanup (once for the block)
 */
export function describeStoreConformance(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`Store conformance: ${name}`, () => {
    let harness: StoreHarness;
    beforeAll(async () => {
      harness = await makeHarness();
    });
    afterAll(async () => {
      await harness?.close();
    });
    for (const caseName of storeConformanceCases) {
      it(caseName, async (context) => {
        const result = await runStoreConformance(() => harness.store, {
          only: [caseName],
          dump: harness.dump ? () => (harness.dump as () => Promise<string>)() : undefined,
          teardown: async () => {},
        });
        if (result.skipped.length > 0) context.skip(result.skipped[0]?.reason);
        if (result.failed.length > 0) throw new Error(result.failed.map((f) => f.error).join('\n'));
      });
    }
  });
}
