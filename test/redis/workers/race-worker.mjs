// One of the Redis race test's worker processes, with its own connection. It
// runs the BUILT packages (packages/*/dist, as an installed app would) so no
// TypeScript loader is needed in the child; races.test.ts rebuilds them first
// when they are stale. This file opens the store; the burst and the protocol
// are test/helpers/race-burst.mjs.
import { RedisStore, recommendedRedisOptions } from '../../../packages/redis/dist/index.js';
import { raceBurst } from '../../helpers/race-burst.mjs';
// The same ioredis major as the test run (TOKENKIT_IOREDIS=6: the `ioredis6` alias package).
const { Redis } = await import(process.env.TOKENKIT_IOREDIS === '6' ? 'ioredis6' : 'ioredis');

const config = JSON.parse(process.argv[2]);
const client = new Redis(config.url, recommendedRedisOptions({ lazyConnect: true }));
client.on('error', () => {});
await client.connect();
const store = new RedisStore({ client, prefix: config.prefix, timeout: 10_000 });

raceBurst(config, store, { afterReport: () => client.disconnect() });
