// One of the race test's worker processes. It runs the BUILT packages
// (packages/*/dist, as an installed app would) so no TypeScript loader is
// needed in the child; race.test.ts rebuilds them first when they are stale.
// Protocol: argv[2] = JSON config; sends { ready } once connected, waits for
// { startAt }, fires every operation concurrently, sends { results }, exits.
import { ApiKeys, Invitations, ResetTokens } from '../../../packages/core/dist/index.js';
import { RedisStore, recommendedRedisOptions } from '../../../packages/redis/dist/index.js';
// The same ioredis major as the test run (TOKENKIT_IOREDIS=6: the `ioredis6` alias package).
const { Redis } = await import(process.env.TOKENKIT_IOREDIS === '6' ? 'ioredis6' : 'ioredis');

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

process.once('message', async ({ startAt }) => {
  // Start on a shared wall-clock instant (sleep, then spin the last ms) so the
  // four processes' bursts reach Redis interleaved, not one after another.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now() - 5)));
  while (Date.now() < startAt) {}
  // All operations stay in flight together, but are issued in small waves
  // (one event-loop turn apart) and interleaved by kind, so Redis reads each
  // process's commands in small chunks and the processes really compete.
  const reset = [];
  const invite = [];
  const apiKey = [];
  for (let i = 0; i < config.ops; i++) {
    reset.push(resets.consume(config.token));
    invite.push(invites.redeem(config.code, { userId: `w${config.worker}-u${i}` }));
    apiKey.push(apiKeys.verify(config.key));
    if (i % 5 === 4) await new Promise((resolve) => setImmediate(resolve));
  }
  const results = { reset: await tally(reset), invite: await tally(invite), apiKey: await tally(apiKey) };
  process.send({ results }, () => {
    client.disconnect();
    process.disconnect();
  });
});
process.send({ ready: true });
