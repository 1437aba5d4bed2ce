/**
 * Multi-process races on PostgreSQL: 4 worker processes, each with its own
 * pg.Pool and managers, fire 250 concurrent operations each at the same
 * records (1000 in all per kind). Only single-statement changes give the
 * exact totals: 1 reset consume, 10 redeems of a maxUses 10 invite, 50
 * verifications of a remaining 50 key.
 *
 * Workers are plain .mjs files that import the built packages
 * (`packages/*\/dist`); this file rebuilds core and postgres when stale.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ApiKeys, Invitations, ResetTokens } from '@tokenkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/built-packages.js';
import { DATABASE_URL, type PostgresHarness, postgresHarness } from './harness.js';

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

let harness: PostgresHarness;
beforeAll(async () => {
  ensureBuilt(['core', 'postgres']);
  harness = await postgresHarness();
}, 180_000);
afterAll(async () => {
  await harness?.close();
});

describe(`PostgresStore multi-process races (${WORKERS} processes × ${OPS} concurrent ops)`, () => {
  it('reset token: exactly 1 success; invite maxUses 10: exactly 10; API key remaining 50: exactly 50', async () => {
    const store = harness.store;
    const { token } = await new ResetTokens({ store, secret: SECRET }).issue('race-user');
    const invites = new Invitations({ store, secret: SECRET });
    const { code, invitation } = await invites.create({ createdBy: 'race-admin', maxUses: 10 });
    const apiKeys = new ApiKeys({ store, secret: SECRET });
    const { key, apiKey } = await apiKeys.create({ ownerId: 'race-owner', remaining: 50 });

    const results = await runWorkers({ url: DATABASE_URL, schema: harness.schema, poolSize: 8, secret: SECRET, token, code, key });

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
  }, 120_000);
});
