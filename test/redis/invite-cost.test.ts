/**
 * A large multi-use invitation must not make Redis slow: one redeem (new or a
 * rejected repeat) and one check cost Redis the same at 100 000 prior uses as
 * at 10. Measured on a private redis-server, so `INFO commandstats` counts
 * only this test's commands: per round, CONFIG RESETSTAT, a batch of calls,
 * then the server-side `usec_per_call` — the median over interleaved rounds
 * shrugs off a round in which the loaded machine descheduled Redis. A script
 * that read or scanned a 100k-entry list would be hundreds of times slower,
 * far beyond the 2× bound; and the record Redis reads must stay the same size.
 */
import { Invitations } from '@tokenkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../helpers/redis-server.js';
import { connectRedis, storeHarness } from './harness.js';

const SECRET = 'invite-cost-secret-0123456789abcdefghijk';
const PRIOR = 100_000;
const ROUNDS = 15;
const CALLS = 20;

let server: RedisServer;
let harness: ReturnType<typeof storeHarness>;

beforeAll(async () => {
  server = await RedisServer.start();
  harness = storeHarness(await connectRedis(server.url));
}, 30_000);
afterAll(async () => {
  try {
    await harness?.close();
  } finally {
    await server?.dispose();
  }
});

/** `usec_per_call` of one command since the last CONFIG RESETSTAT (0 when it did not run). */
async function usecPerCall(command: string): Promise<number> {
  const info = String(await harness.client.call('INFO', 'commandstats'));
  const match = new RegExp(`cmdstat_${command}:calls=(\\d+),usec=(\\d+)`).exec(info);
  return match ? Number(match[2]) / Number(match[1]) : 0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

describe('RedisStore: invitation cost does not grow with its number of uses', () => {
  it(`redeem and check at ${PRIOR} prior uses cost Redis within 2× of at 10`, async () => {
    const invites = new Invitations({ store: harness.store, secret: SECRET });
    const small = await invites.create({ createdBy: 'admin', maxUses: 1_000_000 });
    const large = await invites.create({ createdBy: 'admin', maxUses: 1_000_000 });
    for (let i = 0; i < 10; i++) expect((await invites.redeem(small.code, { userId: `member-${i}` })).valid).toBe(true);
    // Real redemptions, 1000 in flight at a time.
    for (let start = 0; start < PRIOR; start += 1000) {
      const batch = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => invites.redeem(large.code, { userId: `member-${start + i}` })),
      );
      expect(batch.every((r) => r.valid)).toBe(true);
    }
    expect((await invites.get(large.invitation.id))?.uses).toBe(PRIOR);

    // The record itself stays the same size: nothing in it grows with the uses.
    const recordKey = (id: string) => harness.store.keys.record('inv', id);
    const size = async (id: string) =>
      Object.entries(await harness.client.hgetall(recordKey(id))).reduce((n, [k, v]) => n + k.length + v.length, 0);
    expect((await size(large.invitation.id)) - (await size(small.invitation.id))).toBeLessThanOrEqual(12);

    const cost = { redeem: { small: [] as number[], large: [] as number[] }, check: { small: [] as number[], large: [] as number[] } };
    let fresh = 0;
    const measure = async (code: string, into: 'small' | 'large') => {
      await harness.client.call('CONFIG', 'RESETSTAT');
      for (let i = 0; i < CALLS; i++) {
        // A rejected repeat (the attack) and a new member, alternately.
        const userId = i % 2 === 0 ? 'member-3' : `newcomer-${fresh++}`;
        await invites.redeem(code, { userId });
      }
      cost.redeem[into].push(await usecPerCall('evalsha'));
      await harness.client.call('CONFIG', 'RESETSTAT');
      for (let i = 0; i < CALLS; i++) expect((await invites.check(code)).valid).toBe(true);
      cost.check[into].push(await usecPerCall('hgetall'));
    };
    await measure(small.code, 'small'); // warm-up (script load, connection)
    cost.redeem.small.length = 0;
    cost.check.small.length = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await measure(small.code, 'small');
      await measure(large.code, 'large');
    }
    const report = {
      redeem: { small: median(cost.redeem.small), large: median(cost.redeem.large) },
      check: { small: median(cost.check.small), large: median(cost.check.large) },
    };
    console.log(`usec per call (median of ${ROUNDS} rounds): ${JSON.stringify(report)}`);
    expect(report.redeem.small).toBeGreaterThan(0);
    expect(report.check.small).toBeGreaterThan(0);
    // + 1 µs: the resolution floor of a ~1.5 µs HGETALL, not a growth allowance.
    expect(report.redeem.large).toBeLessThanOrEqual(2 * report.redeem.small + 1);
    expect(report.check.large).toBeLessThanOrEqual(2 * report.check.small + 1);
  }, 120_000);
});
