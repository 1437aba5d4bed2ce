/**
 * MemoryStore: a redeem (a rejected repeat included) and a check cost the same
 * at 100 000 prior uses as at 10 — the redeemers are a Set beside the record,
 * never a list that is scanned or copied. Timed in-process: batches of calls,
 * interleaved, median batch; a list scan or copy of 100k entries would be
 * ~100× slower, far beyond the bound.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.js';
import { TEST_SECRET } from '../test-utils/stores.js';
import { Invitations } from './index.js';

const PRIOR = 100_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

describe('Invitations on MemoryStore: cost does not grow with the number of uses', () => {
  it(`redeem and check at ${PRIOR} prior uses within 2× of at 10`, async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const invites = new Invitations({ store, secret: TEST_SECRET });
    const small = await invites.create({ createdBy: 'admin', maxUses: 1_000_000 });
    const large = await invites.create({ createdBy: 'admin', maxUses: 1_000_000 });
    for (let i = 0; i < 10; i++) await invites.redeem(small.code, { userId: `member-${i}` });
    for (let i = 0; i < PRIOR; i++) await invites.redeem(large.code, { userId: `member-${i}` });
    expect((await invites.get(large.invitation.id))?.uses).toBe(PRIOR);
    // Nothing in the record grows with its uses.
    const [a, b] = [await store.get('inv', small.invitation.id), await store.get('inv', large.invitation.id)];
    expect(JSON.stringify(b).length - JSON.stringify(a).length).toBeLessThanOrEqual(12);

    let fresh = 0;
    const batch = async (code: string): Promise<{ redeem: number; check: number }> => {
      let start = process.hrtime.bigint();
      for (let i = 0; i < 200; i++) await invites.redeem(code, { userId: i % 2 === 0 ? 'member-3' : `newcomer-${fresh++}` });
      const redeem = Number(process.hrtime.bigint() - start);
      start = process.hrtime.bigint();
      for (let i = 0; i < 200; i++) await invites.check(code);
      return { redeem, check: Number(process.hrtime.bigint() - start) };
    };
    for (let i = 0; i < 3; i++) await batch(small.code); // warm-up
    const times = { small: [] as Array<{ redeem: number; check: number }>, large: [] as Array<{ redeem: number; check: number }> };
    for (let round = 0; round < 21; round++) {
      times.small.push(await batch(small.code));
      times.large.push(await batch(large.code));
    }
    const redeem = { small: median(times.small.map((t) => t.redeem)), large: median(times.large.map((t) => t.redeem)) };
    const check = { small: median(times.small.map((t) => t.check)), large: median(times.large.map((t) => t.check)) };
    console.log(`ns per batch of 200 (median of 21): ${JSON.stringify({ redeem, check })}`);
    expect(redeem.large).toBeLessThanOrEqual(2 * redeem.small);
    expect(check.large).toBeLessThanOrEqual(2 * check.small);
    await store.close();
  }, 60_000);
});
