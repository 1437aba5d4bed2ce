// The child side of the multi-process races (test/helpers/race-workers.ts),
// shared by the stores' race workers (test/<store>/workers/race-worker.mjs),
// which open their store and hand it here. Like them it runs the BUILT
// packages (packages/*/dist, as an installed app would), so no TypeScript
// loader is needed in the child; the races.test.ts files rebuild them first
// when they are stale.
// Protocol: argv[2] = JSON config; sends { ready } once connected, waits for
// { startAt }, fires every operation concurrently, sends { results }, exits.
import { ApiKeys, Invitations, ResetTokens } from '../../packages/core/dist/index.js';

/** Counts settled verification results: valid ones, invalid ones by code, and errors. */
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

/**
 * Reports ready, then on { startAt } fires the burst against `store` and sends
 * the results.
 *
 * @param config - the parsed argv[2] (secret, token, code, key, worker, ops)
 * @param store - the store, already connected
 * @param options.beforeReport - runs once the burst has settled, before the results are sent (e.g. close the store)
 * @param options.afterReport - runs once the results are sent, before the IPC channel is closed (e.g. disconnect)
 */
export function raceBurst(config, store, { beforeReport, afterReport } = {}) {
  const resets = new ResetTokens({ store, secret: config.secret });
  const invites = new Invitations({ store, secret: config.secret });
  const apiKeys = new ApiKeys({ store, secret: config.secret });

  process.once('message', async ({ startAt }) => {
    // Start on a shared wall-clock instant (sleep, then spin the last ms) so the
    // processes' bursts reach the store interleaved, not one after another.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now() - 5)));
    while (Date.now() < startAt) {}
    // All operations stay in flight together, but are issued in small waves
    // (one event-loop turn apart) and interleaved by kind, so the store reads
    // each process's commands in small chunks and the processes really compete
    // for the same records.
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
    await beforeReport?.();
    process.send({ results }, () => {
      afterReport?.();
      process.disconnect();
    });
  });
  process.send({ ready: true });
}
