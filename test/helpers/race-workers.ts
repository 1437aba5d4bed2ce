/**
 * Multi-process races, the parent side shared by the store suites
 * (test/<store>/races.test.ts): RACE_WORKERS worker processes, each with its
 * own connection and managers, fire RACE_OPS concurrent operations each at the
 * same records (1000 in all per kind). Only atomic changes (one statement, one
 * server-side script) give the exact totals: 1 reset consume, 10 redeems of a
 * maxUses 10 invite, 50 verifications of a remaining 50 key.
 *
 * Workers are plain .mjs files (test/<store>/workers/race-worker.mjs: how that
 * store is opened; the burst itself is test/helpers/race-burst.mjs) that
 * import the built packages (`packages/*\/dist`); each suite calls
 * `ensureBuilt` for its packages first.
 */
import { fork } from 'node:child_process';
import { ApiKeys, Invitations, ResetTokens, type Store } from '@tokenkit/core';
import { expect } from 'vitest';

export const RACE_WORKERS = 4;
export const RACE_OPS = 250;
const SECRET = 'race-secret-0123456789abcdefghijklmnopqrs';

/** The `it` title of the race case. */
export const RACE_CASE = 'reset token: exactly 1 success; invite maxUses 10: exactly 10; API key remaining 50: exactly 50';

interface Tally {
  valid: number;
  invalid: Record<string, number>;
  errors: string[];
}
interface WorkerResults {
  reset: Tally;
  invite: Tally;
  apiKey: Tally;
}

/**
 * Forks RACE_WORKERS copies of `workerPath` (argv[2]: `config` plus `worker`
 * and `ops`), waits until every one is ready, releases them all at one instant
 * and collects their results.
 */
function runWorkers(workerPath: string, config: Record<string, unknown>): Promise<WorkerResults[]> {
  const children = Array.from({ length: RACE_WORKERS }, (_, worker) =>
    fork(workerPath, [JSON.stringify({ ...config, worker, ops: RACE_OPS })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  const ready = children.map(
    (child) =>
      new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
      }),
  );
  const results = children.map(
    (child) =>
      new Promise<WorkerResults>((resolve, reject) => {
        child.on('message', (message: { results?: WorkerResults }) => {
          if (message.results) resolve(message.results);
        });
        child.once('exit', (code) => reject(new Error(`worker exited with ${code} before reporting`)));
      }),
  );
  return Promise.all(ready).then(() => {
    // Release all workers at one instant so their operations overlap.
    const startAt = Date.now() + 200;
    for (const child of children) child.send({ startAt });
    return Promise.all(results);
  });
}

/**
 * The race case: creates a reset token, a maxUses 10 invite and a remaining 50
 * API key in `store`, lets the workers race for them and checks the exact totals.
 *
 * @param store - the suite's store (the records are created through it)
 * @param workerPath - the store's race-worker.mjs
 * @param storeConfig - what that worker needs to open the same store (URL, prefix or schema, …)
 */
export async function raceForSharedRecords(store: Store, workerPath: string, storeConfig: Record<string, unknown>): Promise<void> {
  const { token } = await new ResetTokens({ store, secret: SECRET }).issue('race-user');
  const invites = new Invitations({ store, secret: SECRET });
  const { code, invitation } = await invites.create({ createdBy: 'race-admin', maxUses: 10 });
  const apiKeys = new ApiKeys({ store, secret: SECRET });
  const { key, apiKey } = await apiKeys.create({ ownerId: 'race-owner', remaining: 50 });

  const results = await runWorkers(workerPath, { ...storeConfig, secret: SECRET, token, code, key });

  const sum = (pick: (r: WorkerResults) => Tally) => results.reduce((n, r) => n + pick(r).valid, 0);
  const errors = results.flatMap((r) => [...r.reset.errors, ...r.invite.errors, ...r.apiKey.errors]);
  console.log(
    `races over ${RACE_WORKERS}×${RACE_OPS}: reset valid ${sum((r) => r.reset)}, invite valid ${sum((r) => r.invite)}, ` +
      `apiKey valid ${sum((r) => r.apiKey)}; per worker ${JSON.stringify(results.map((r) => [r.reset.valid, r.invite.valid, r.apiKey.valid]))}`,
  );
  expect(errors).toEqual([]);
  expect(sum((r) => r.reset)).toBe(1);
  expect(sum((r) => r.invite)).toBe(10);
  expect(sum((r) => r.apiKey)).toBe(50);
  const exhausted = results.reduce((n, r) => n + (r.invite.invalid.EXHAUSTED ?? 0), 0);
  expect(exhausted).toBe(RACE_WORKERS * RACE_OPS - 10);
  const exceeded = results.reduce((n, r) => n + (r.apiKey.invalid.USAGE_EXCEEDED ?? 0), 0);
  expect(exceeded).toBe(RACE_WORKERS * RACE_OPS - 50);
  const final = await invites.get(invitation.id);
  expect(final?.uses).toBe(10);
  expect(final?.status).toBe('exhausted');
  expect((await apiKeys.get(apiKey.id))?.remaining).toBe(0);
  // The processes really overlapped: the 50 uses were shared between several of them.
  expect(results.filter((r) => r.apiKey.valid > 0).length).toBeGreaterThanOrEqual(2);
}
