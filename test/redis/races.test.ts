/**
 * Multi-process races: 4 worker processes, each with its own connection and
 * managers, fire 250 concurrent operations at the same records in one Redis.
 * Only atomic server-side operations give the exact totals.
 *
 * Workers are plain .mjs files that import the built packages
 * (`packages/*\/dist`); CI runs `pnpm build` before `pnpm test`, and this
 * file rebuilds core and redis when their dist is missing or older than src.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ApiKeys, Invitations, ResetTokens } from '@tokenkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/built-packages.js';
import { connectRedis, SHARED_REDIS_URL, storeHarness } from './harness.js';

const WORKERS = 4;
const OPS = 250;
const SECRET = 'race-secret-0123456789abcdefghijklmnopqrs';
const workerPath = fileURLToPath(new URL('./workers/race-worker.mjs', import.meta.url));

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

function runWorkers(config: Record<string, unknown>): Promise<WorkerResults[]> {
  const children = Array.from({ length: WORKERS }, (_, worker) =>
    fork(workerPath, [JSON.stringify({ ...config, worker, ops: OPS })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
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

let harness: ReturnType<typeof storeHarness>;
beforeAll(async () => {
  ensureBuilt(['core', 'redis']);
  harness = storeHarness(await connectRedis(SHARED_REDIS_URL));
}, 120_000);
afterAll(async () => {
  await harness?.close();
});

describe(`RedisStore multi-process races (${WORKERS} processes × ${OPS} concurrent ops)`, () => {
  it('reset token: exactly 1 success; invite maxUses 10: exactly 10; API key remaining 50: exactly 50', async () => {
    const store = harness.store;
    const { token } = await new ResetTokens({ store, secret: SECRET }).issue('race-user');
    const invites = new Invitations({ store, secret: SECRET });
    const { code, invitation } = await invites.create({ createdBy: 'race-admin', maxUses: 10 });
    const apiKeys = new ApiKeys({ store, secret: SECRET });
    const { key, apiKey } = await apiKeys.create({ ownerId: 'race-owner', remaining: 50 });

    const results = await runWorkers({ url: SHARED_REDIS_URL, prefix: harness.prefix, secret: SECRET, token, code, key });

    const sum = (pick: (r: WorkerResults) => Tally) => results.reduce((n, r) => n + pick(r).valid, 0);
    const errors = results.flatMap((r) => [...r.reset.errors, ...r.invite.errors, ...r.apiKey.errors]);
    console.log(
      `races over ${WORKERS}×${OPS}: reset valid ${sum((r) => r.reset)}, invite valid ${sum((r) => r.invite)}, ` +
        `apiKey valid ${sum((r) => r.apiKey)}; per worker ${JSON.stringify(results.map((r) => [r.reset.valid, r.invite.valid, r.apiKey.valid]))}`,
    );
    expect(errors).toEqual([]);
    expect(sum((r) => r.reset)).toBe(1);
    expect(sum((r) => r.invite)).toBe(10);
    expect(sum((r) => r.apiKey)).toBe(50);
    const exhausted = results.reduce((n, r) => n + (r.invite.invalid.EXHAUSTED ?? 0), 0);
    expect(exhausted).toBe(WORKERS * OPS - 10);
    const exceeded = results.reduce((n, r) => n + (r.apiKey.invalid.USAGE_EXCEEDED ?? 0), 0);
    expect(exceeded).toBe(WORKERS * OPS - 50);
    const final = await invites.get(invitation.id);
    expect(final?.uses).toBe(10);
    expect(final?.status).toBe('exhausted');
    expect((await apiKeys.get(apiKey.id))?.remaining).toBe(0);
    // The processes really overlapped: the 50 uses were shared between several of them.
    expect(results.filter((r) => r.apiKey.valid > 0).length).toBeGreaterThanOrEqual(2);
  });
});
