/**
 * Multi-process races: 4 worker processes, each with its own connection and
 * managers, fire 250 concurrent operations at the same records in one Redis.
 * Only atomic server-side operations give the exact totals (the case:
 * test/helpers/race-workers.ts).
 *
 * Workers are plain .mjs files that import the built packages
 * (`packages/*\/dist`); CI runs `pnpm build` before `pnpm test`, and this
 * file rebuilds core and redis when their dist is missing or older than src.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ensureBuilt } from '../helpers/built-packages.js';
import { RACE_CASE, RACE_OPS, RACE_WORKERS, raceForSharedRecords } from '../helpers/race-workers.js';
import { connectRedis, SHARED_REDIS_URL, storeHarness } from './harness.js';

const workerPath = fileURLToPath(new URL('./workers/race-worker.mjs', import.meta.url));

let harness: ReturnType<typeof storeHarness>;
beforeAll(async () => {
  ensureBuilt(['core', 'redis']);
  harness = storeHarness(await connectRedis(SHARED_REDIS_URL));
}, 120_000);
afterAll(async () => {
  await harness?.close();
});

describe(`RedisStore multi-process races (${RACE_WORKERS} processes × ${RACE_OPS} concurrent ops)`, () => {
  it(RACE_CASE, async () => {
    await raceForSharedRecords(harness.store, workerPath, { url: SHARED_REDIS_URL, prefix: harness.prefix });
  });
});
