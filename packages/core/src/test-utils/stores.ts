/** Test helpers of the repo's own unit tests. `InstrumentedStore` is published in `@tokenkit/core/testing`. */
export { InstrumentedStore, type StoreMethod } from '../testing/instrumented-store.js';

/** A clock tests move by hand; share `now` between the store and the managers. */
export class ManualClock {
  constructor(public time = Date.UTC(2030, 0, 1)) {}

  /** The clock function to inject as `now`. */
  readonly now = (): number => this.time;

  /** Moves the clock forward. */
  advance(ms: number): void {
    this.time += ms;
  }
}

/** A secret long enough for every manager (≥ 32 characters). */
export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnop';
/** A second, different secret for rotation tests. */
export const OTHER_SECRET = 'other-secret-ZYXWVUTSRQ-9876543210-zyxwv';
