/**
 * Multi-process races on PostgreSQL: 4 worker processes, each with its own
 * pg.Pool and managers, fire 250 concurrent operations each at the same
 * records (1000 in all per kind). Only single-statement changes give the
 * exact totals: 1 reset consume, 10 redeems of a maxUses 10 invite, 50
 * verifications of a remaining 50 key (the case: test/helpers/race-workers.ts).
 *
 * Workers are plain .mjs files that import the built packages
 * (`packages/*\/dist`); this file rebuilds core and postgres when stale.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ensureBuilt } from '../helpers/built-packages.js';
import { RACE_CASE, RACE_OPS, RACE_WORKERS, raceForSharedRecords } from '../helpers/race-workers.js';
import { DATABASE_URL, type PostgresHarness, postgresHarness } from './harness.js';

const workerPath = fileURLToPath(new URL('./workers/race-worker.mjs', import.meta.url));

let harness: PostgresHarness;
beforeAll(async () => {
  ensureBuilt(['core', 'postgres']);
  harness = await postgresHarness();
}, 180_000);
afterAll(async () => {
  await harness?.close();
});

describe(`PostgresStore multi-process races (${RACE_WORKERS} processes × ${RACE_OPS} concurrent ops)`, () => {
  it(RACE_CASE, async () => {
    await raceForSharedRecords(harness.store, workerPath, { url: DATABASE_URL, schema: harness.schema, poolSize: 8 });
  }, 120_000);
});
