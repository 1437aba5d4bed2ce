/**
 * The verified-credential cache of `ApiKeys` over Redis: two "processes"
 * (two `ApiKeys`, each with its own `RedisStore` connection, one prefix)
 * with caches give exactly the answers of two without, for the same random
 * sequence of creates, verifications, revocations, rotations, expiry and
 * secret rotations — so a change made by one process is seen by the other's
 * cached verification on its next call.
 */
import { RedisStore } from '@tokenkit/redis';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../packages/core/src/test-utils/stores.js';
import { ModelWorld, modelCommands } from '../../packages/core/src/test-utils/verified-cache-model.js';
import { SHARED_REDIS_URL, connectRedis, deletePrefix, uniquePrefix } from './harness.js';

type Client = Awaited<ReturnType<typeof connectRedis>>;
let clients: Client[] = [];
const prefixes: string[] = [];

beforeAll(async () => {
  clients = await Promise.all([0, 1, 2, 3].map(() => connectRedis(SHARED_REDIS_URL)));
});
afterAll(async () => {
  for (const prefix of prefixes) await deletePrefix(clients[0]!, prefix);
  await Promise.all(clients.map((client) => client.quit()));
});

describe('verified-credential cache on Redis, two processes', () => {
  it('the same answers with and without the cache', async () => {
    await fc.assert(
      fc.asyncProperty(
        // No per-key rate limits: their windows follow Redis' clock, not the test's, so two worlds could straddle a window edge.
        modelCommands({ rateLimit: false, maxLength: 40 }),
        async (commands) => {
          // Wall-clock based start: RedisStore TTLs are real time, and records must not outlive the test by far.
          const clock = new ManualClock(Date.now());
          const x = uniquePrefix();
          const y = uniquePrefix();
          prefixes.push(x, y);
          const storesX: [RedisStore, RedisStore] = [
            new RedisStore({ client: clients[0]!, prefix: x }),
            new RedisStore({ client: clients[1]!, prefix: x }),
          ];
          const storesY: [RedisStore, RedisStore] = [
            new RedisStore({ client: clients[2]!, prefix: y }),
            new RedisStore({ client: clients[3]!, prefix: y }),
          ];
          const withCache = new ModelWorld(storesX, clock.now, [undefined, { max: 2, ttl: '90s' }]);
          const without = new ModelWorld(storesY, clock.now, [false, false]);
          for (const command of commands) {
            if (command.op === 'advance') clock.advance(command.ms);
            const expected = await without.run(command);
            expect(await withCache.run(command)).toEqual(expected);
          }
        },
      ),
      { numRuns: 50 },
    );
  }, 120_000);
});
