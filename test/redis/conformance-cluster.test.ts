import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCluster } from '../helpers/redis-server.js';
import { describeStoreConformance } from '../store-conformance/describe-conformance.js';
import { connectCluster, scanKeys, storeHarness } from './harness.js';

// One cluster of 3 masters for this file, started from redis-server processes and stopped by PID.
let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await RedisCluster.start({ masters: 3 });
});
afterAll(async () => {
  await cluster?.dispose();
});

describeStoreConformance('RedisStore (Cluster of 3 masters)', async () => storeHarness(await connectCluster(cluster.startupNodes)));

describe('RedisStore on a Cluster: key distribution', () => {
  it('records spread over all masters (no hash tag around the prefix)', async () => {
    const client = await connectCluster(cluster.startupNodes);
    const harness = storeHarness(client);
    try {
      for (let i = 0; i < 60; i++) {
        await harness.store.put('t', { id: `rec${i}`, hash: 'v1$x', expiresAt: null, maxUses: 1, uses: 0 }, { ttlMs: 60_000 });
        await harness.store.use('t', `rec${i}`, { hashes: ['v1$x'], now: Date.now(), subject: 'u' });
      }
      const perMaster = await Promise.all(
        client.nodes('master').map(async (node) => (await node.dbsize()) as number),
      );
      expect(perMaster.filter((n) => n > 0)).toHaveLength(3);
      // Each record and its used-by set (the redemption's subject), in the same slot.
      const keys = await scanKeys(client, harness.prefix);
      expect(keys).toHaveLength(120);
      const record = harness.store.keys.record('t', 'rec7');
      expect(keys).toContain(harness.store.keys.used(record));
      expect(await client.cluster('KEYSLOT', harness.store.keys.used(record))).toBe(await client.cluster('KEYSLOT', record));
    } finally {
      await harness.close();
    }
  });

  it('ids, subjects and window keys with braces keep every script in one slot (no CROSSSLOT)', async () => {
    const client = await connectCluster(cluster.startupNodes);
    const harness = storeHarness(client);
    const store = harness.store;
    try {
      for (const id of ['a}b{c', '{x}', '}{', '']) {
        await store.put('t', { id, hash: 'v1$x', expiresAt: null, rateLimit: { limit: 5, windowMs: 60_000 } }, { ttlMs: 60_000 });
        expect((await store.use('t', id, { hashes: ['v1$x'], now: Date.now() })).ok).toBe(true);
        expect(await store.delete('t', id)).toBe(true);
        await store.indexAdd('t', id, 'member', 60_000);
        expect(await store.indexMembers('t', id)).toEqual(['member']);
        expect((await store.hit('x:{y}', id, 60_000)).count).toBe(1);
      }
    } finally {
      await harness.close();
    }
  });
});
