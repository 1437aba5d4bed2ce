// One of the race test's worker processes. It runs the BUILT packages
// (packages/*/dist, as an installed app would) so no TypeScript loader is
// needed in the child; race.test.ts rebuilds them first when they are stale.
// Protocol: argv[2] = JSON config; sends { ready } once connected, waits for
// 'go', fires every operation concurrently, sends { results }, exits.
import { ApiKeys, Invitations, ResetTokens } from '../../../packages/core/dist/index.js';
import { RedisStore, recommendedRedisOptions } from '../../../packages/redis/dist/index.js';
import { Redis } from 'ioredis';

const config = JSON.parse(process.argv[2]);
const client = new Redis(config.url, recommendedRedisOptions({ lazyConnect: true }));
client.on('error', () => {});
await client.connect();
const store = new RedisStore({ client, prefix: config.prefix, timeout: 10_000 });
const resets = new ResetTokens({ store, secret: config.secret });
const invites = new Invitations({ store, secret: config.secret });
const apiKeys = new ApiKeys({ store, secret: config.secret });

const tally = async (promises) => {
  const settled = await Promise.allSettled(promises);
  const out = { valid: 0, invalid: {}, errors: [] };
  for (const s of settled) {
    if (s.status === 'rejected') out.errors.push(String(s.reason?.message ?? s.reason));
    else if (s.value.valid) out.valid++;
    else out.invalid[s.value.code] = (out.invalid[s.value.code] ?? 0) + 1;
  }
  return out;
};

process.once('message', async () => {
  const n = config.ops;
  const [reset, invite, apiKey] = await Promise.all([
    tally(Array.from({ length: n }, () => resets.consume(config.token))),
    tally(Array.from({ length: n }, (_, i) => invites.redeem(config.code, { userId: `w${config.worker}-u${i}` }))),
    tally(Array.from({ length: n }, () => apiKeys.verify(config.key))),
  ]);
  process.send({ results: { reset, invite, apiKey } }, () => {
    client.disconnect();
    process.disconnect();
  });
});
process.send({ ready: true });
