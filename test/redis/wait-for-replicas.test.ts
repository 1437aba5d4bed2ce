/**
 * `RedisStore({ waitForReplicas })` against real redis-server processes: a
 * master with one replica, and a Cluster of 3 masters + 3 replicas that
 * fails over. Replication is asynchronous, so a master that dies right after
 * acknowledging a consume can take it with it and the promoted replica hands
 * the token out again; with `WAIT` on, a consume the replicas did not confirm
 * is reported as `StoreUnavailableError`, never as a success.
 */
import { performance } from 'node:perf_hooks';
import { ApiKeys, generateCredential, Invitations, isStoreUnavailableError, ResetTokens } from '@tokenkit/core';
import { RedisStore } from '@tokenkit/redis';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCluster, RedisServer } from '../helpers/redis-server.js';
import { connectCluster, connectRedis, uniquePrefix } from './harness.js';

const SECRET = 'replica-secret-0123456789abcdefghijklmno';
// Generous on purpose: these tests are about which writes replicas confirm, not about latency, and on a
// loaded machine a healthy replica can take well over 100 ms to acknowledge (a stalled one never does).
const WAIT_MS = 600;
const STORE_TIMEOUT = 3000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const linkUp = (server: RedisServer) => async () =>
  (await server.command('INFO', 'replication')).includes('master_link_status:up');

/**
 * Every replica of `master` has acknowledged everything: right after a sync a
 * replica can take a while to send its first ACK, and WAIT would time out.
 */
const settled = (master: RedisServer) => async () => {
  const info = await master.command('INFO', 'replication');
  const offset = /master_repl_offset:(\d+)/.exec(info)?.[1];
  const acked = [...info.matchAll(/slave\d+:.*state=online,offset=(\d+)/g)].map((m) => m[1]);
  return acked.length > 0 && acked.every((a) => a === offset);
};

type Outcome = 'ok' | 'rejected' | 'unavailable';
/** Why calls were unavailable, for the failure message. */
const unavailable = new Set<string>();
async function outcome(run: () => Promise<{ valid: boolean }>): Promise<Outcome> {
  try {
    return (await run()).valid ? 'ok' : 'rejected';
  } catch (err) {
    if (!isStoreUnavailableError(err)) throw err;
    unavailable.add(err.message);
    return 'unavailable';
  }
}

describe('waitForReplicas: construction', () => {
  it('rejects unusable options with a ConfigError that shows a working value', async () => {
    const client = await connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const bad = [
        { replicas: 0, timeoutMs: 100 },
        { replicas: 1.5, timeoutMs: 100 },
        { replicas: 1, timeoutMs: 0 }, // WAIT 0 would block forever
        { replicas: 1, timeoutMs: 1000 }, // not below the store timeout
        { replicas: 1, timeoutMs: Number.NaN },
      ];
      for (const waitForReplicas of bad) {
        expect(() => new RedisStore({ client, waitForReplicas })).toThrow(/replicas: 1, timeoutMs: 100/);
      }
      const store = new RedisStore({ client, waitForReplicas: { replicas: 1, timeoutMs: 100 } });
      await store.close();
    } finally {
      client.disconnect();
    }
  });
});

describe('waitForReplicas: one master, one replica', () => {
  let master: RedisServer;
  let replica: RedisServer;
  let client: Redis;
  let store: RedisStore;

  beforeAll(async () => {
    master = await RedisServer.start();
    replica = await RedisServer.start({ args: ['--replicaof', master.host, String(master.port)] });
    await until('the replica link', linkUp(replica));
    await until('the replica to acknowledge', settled(master));
    client = await connectRedis(master.url);
    store = new RedisStore({ client, prefix: uniquePrefix(), timeout: STORE_TIMEOUT, waitForReplicas: { replicas: 1, timeoutMs: WAIT_MS } });
  });
  afterAll(async () => {
    await store?.close();
    client?.disconnect();
    await Promise.all([replica?.dispose(), master?.dispose()]);
  });

  it('runs each confirmed write and its WAIT back to back on one connection of its own', async () => {
    const resets = new ResetTokens({ store, secret: SECRET });
    // Warm up: the first call per script on a connection answers NOSCRIPT and is resent as EVAL (+ WAIT again).
    await resets.consume((await resets.issue('u-warm')).token);
    const monitor = await master.monitor();
    try {
      const { token } = await resets.issue('u-monitor');
      expect((await resets.consume(token)).valid).toBe(true);
      await sleep(50);
    } finally {
      monitor.close();
    }
    // Without script-internal commands and the invalidation connection's heartbeat PINGs (client tracking).
    const calls = monitor.events.filter((e) => e.source !== 'lua' && e.command !== 'ping');
    const scripts = calls.filter((e) => e.command === 'evalsha' || e.command === 'eval');
    // issue = put + indexAdd, consume = consume: each followed directly by WAIT 1 100 from the same client.
    expect(scripts).toHaveLength(3);
    for (const script of scripts) {
      const next = calls[calls.indexOf(script) + 1];
      expect(next).toMatchObject({ command: 'wait', args: ['1', String(WAIT_MS)], source: script.source });
    }
    // The index cleanup after a consume and plain reads go over the shared client, without WAIT.
    expect(calls.filter((e) => e.command === 'srem')[0]?.source).not.toBe(scripts[0]?.source);
  });

  it('a stalled replica: changes reject with StoreUnavailableError after timeoutMs, lookups and verifications keep working', async () => {
    const resets = new ResetTokens({ store, secret: SECRET });
    const apiKeys = new ApiKeys({ store, secret: SECRET });
    const { token } = await resets.issue('u-stall');
    const { key } = await apiKeys.create({ ownerId: 'o-stall' });
    await replica.pause();
    try {
      const started = performance.now();
      const [consumed, verified, unknown] = await Promise.all([
        outcome(() => resets.consume(token)),
        outcome(() => apiKeys.verify(key)),
        outcome(() => resets.consume(generateCredential('rst').credential)), // well-formed, unknown: a store lookup
      ]);
      expect(consumed).toBe('unavailable');
      expect(performance.now() - started).toBeGreaterThanOrEqual(WAIT_MS - 5);
      // …and not after the store timeout.
      expect(performance.now() - started).toBeLessThan(STORE_TIMEOUT - 200);
      // A plain verification never waits for replicas, so a missing replica does not take API keys down.
      expect(verified).toBe('ok');
      expect(unknown).toBe('rejected');
      await expect(resets.issue('u-stall-2')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      await replica.resume();
    }
    // Fail closed: the unconfirmed consume did run on the master, so the token is spent (the user asks for a new one).
    expect(await outcome(() => resets.consume(token))).toBe('rejected');
    await until('the replica to catch up', settled(master));
    const { token: fresh } = await resets.issue('u-stall-3');
    expect(await outcome(() => resets.consume(fresh))).toBe('ok');
  });

  it('verifications: true confirms the uses an API key with remaining spends; unlimited keys still pass without replicas', async () => {
    const strict = new RedisStore({
      client,
      prefix: uniquePrefix(),
      timeout: STORE_TIMEOUT,
      waitForReplicas: { replicas: 1, timeoutMs: WAIT_MS, verifications: true },
    });
    const apiKeys = new ApiKeys({ store: strict, secret: SECRET });
    try {
      const counted = await apiKeys.create({ ownerId: 'o-counted', remaining: 5 });
      const unlimited = await apiKeys.create({ ownerId: 'o-unlimited' });
      expect(await outcome(() => apiKeys.verify(counted.key))).toBe('ok');
      await replica.pause();
      try {
        expect(await outcome(() => apiKeys.verify(counted.key))).toBe('unavailable');
        expect(await outcome(() => apiKeys.verify(unlimited.key))).toBe('ok');
      } finally {
        await replica.resume();
      }
    } finally {
      await strict.close();
    }
  });

  it('more replicas required than exist: every change fails closed', async () => {
    const greedy = new RedisStore({
      client,
      prefix: uniquePrefix(),
      timeout: STORE_TIMEOUT,
      waitForReplicas: { replicas: 2, timeoutMs: WAIT_MS },
    });
    try {
      await expect(new Invitations({ store: greedy, secret: SECRET }).create({ createdBy: 'u' })).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
        message: expect.stringMatching(/reached 1 of 2 required replica/),
      });
    } finally {
      await greedy.close();
    }
  });
});

describe('waitForReplicas: Cluster failover right after a consume', () => {
  let cluster: RedisCluster;
  const clients: Cluster[] = [];
  /** Nodes a test killed; the next test brings them back even when that test failed half-way. */
  const crashed: RedisServer[] = [];
  const restartCrashed = async () => {
    for (const node of crashed.splice(0)) await node.restart();
  };

  beforeAll(async () => {
    // validity factor 0: a replica may take over however long its link was down (the test drops it on purpose).
    cluster = await RedisCluster.start({
      masters: 3,
      replicasPerMaster: 1,
      nodeTimeoutMs: 1000,
      args: ['--cluster-replica-validity-factor', '0'],
    });
    const masters = await cluster.masters();
    await until('every replica to acknowledge', async () => (await Promise.all(masters.map((m) => settled(m)()))).every(Boolean));
    await cluster.waitReplicated();
  }, 60_000);
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await cluster?.dispose();
  });

  it('without WAIT a promoted replica hands consumed tokens out again; with WAIT no token is consumed twice', async () => {
    const prefix = uniquePrefix();
    const connect = async () => {
      const client = await connectCluster(cluster.startupNodes);
      clients.push(client);
      return client;
    };
    const plain = new RedisStore({ client: await connect(), prefix, timeout: STORE_TIMEOUT });
    const safe = new RedisStore({
      client: await connect(),
      prefix,
      timeout: STORE_TIMEOUT,
      waitForReplicas: { replicas: 1, timeoutMs: WAIT_MS },
    });
    const plainResets = new ResetTokens({ store: plain, secret: SECRET });
    const safeResets = new ResetTokens({ store: safe, secret: SECRET });

    // Tokens issued with WAIT (so their records are on the replica), kept when their slot is on the victim master.
    const [victim] = await cluster.masters();
    const issued = await Promise.all(Array.from({ length: 60 }, (_, i) => safeResets.issue(`user-${i}`)));
    const onVictim: string[] = [];
    for (const { token } of issued) {
      const id = token.slice(4, 14);
      // Another master's slot answers -MOVED.
      const here = await victim!.command('EXISTS', plain.keys.record('rst', id)).catch(() => '0');
      if (here === '1') onVictim.push(token);
    }
    expect(onVictim.length).toBeGreaterThanOrEqual(6);
    const half = Math.floor(onVictim.length / 2);
    const groups = { plain: onVictim.slice(0, half), safe: onVictim.slice(half) };

    // Open the asynchronous-replication window wide and deterministically: drop the replica's link
    // (what a network blip or a lagging replica does) and hold the replica still so it cannot
    // resync, consume, then crash the master before the replica saw the consumes.
    const nodes = await victim!.command('CLUSTER', 'NODES');
    const victimId = nodes.split('\n').find((line) => line.includes('myself'))!.split(' ')[0]!;
    const replicaAddr = nodes.split('\n').find((line) => line.split(' ')[3] === victimId)!.split(' ')[1]!.split('@')[0];
    const replica = cluster.nodes.find((n) => `${n.host}:${n.port}` === replicaAddr)!;
    await replica.pause();
    await victim!.command('CLIENT', 'KILL', 'TYPE', 'replica');
    const first = {
      plain: await Promise.all(groups.plain.map((t) => outcome(() => plainResets.consume(t)))),
      safe: await Promise.all(groups.safe.map((t) => outcome(() => safeResets.consume(t)))),
    };
    await victim!.kill('SIGKILL');
    crashed.push(victim!);
    await replica.resume();
    await until('the replica to take over', async () => (await replica.command('INFO', 'replication')).includes('role:master'));

    // Consume every token again once the cluster answers for its slots.
    const again = async (token: string): Promise<Outcome> => {
      for (let attempt = 0; ; attempt++) {
        const result = await outcome(() => plainResets.consume(token));
        if (result !== 'unavailable' || attempt > 100) return result;
        await sleep(100);
      }
    };
    const second = {
      plain: await Promise.all(groups.plain.map(again)),
      safe: await Promise.all(groups.safe.map(again)),
    };
    const twice = (a: Outcome[], b: Outcome[]) => a.filter((o, i) => o === 'ok' && b[i] === 'ok').length;
    console.log(
      `failover after consume: without WAIT ${twice(first.plain, second.plain)}/${groups.plain.length} tokens consumed twice; ` +
        `with WAIT ${twice(first.safe, second.safe)}/${groups.safe.length} (first attempts: plain ${first.plain.join(',')}; ` +
        `safe ${first.safe.join(',')}; unavailable because: ${[...unavailable].join(' | ')})`,
    );
    expect(first.plain.every((o) => o === 'ok')).toBe(true);
    // The window is real: without WAIT the promoted replica never saw these consumes.
    expect(twice(first.plain, second.plain)).toBe(groups.plain.length);
    // With WAIT the unconfirmed consumes were reported unavailable, never ok: no token has two successes.
    expect(first.safe.every((o) => o === 'unavailable')).toBe(true);
    expect(twice(first.safe, second.safe)).toBe(0);
    // The promoted replica still holds these tokens, so each is usable exactly once in total.
    expect(second.safe.every((o) => o === 'ok')).toBe(true);
    await safe.close();
    // The old master comes back as the new master's replica (until then that shard refuses every confirmed write).
    await restartCrashed();
    await until('the old master to rejoin as a replica', settled(replica));
    await cluster.waitReplicated();
  }, 90_000);
  it('after a failover the confirming connection follows the slots to the new master (MOVED is retried, not failed)', async () => {
    const client = await connectCluster(cluster.startupNodes);
    clients.push(client);
    const safe = new RedisStore({ client, prefix: uniquePrefix(), timeout: STORE_TIMEOUT, waitForReplicas: { replicas: 1, timeoutMs: WAIT_MS } });
    const resets = new ResetTokens({ store: safe, secret: SECRET });
    await restartCrashed();
    await cluster.waitReplicated();
    await resets.issue('u-warm'); // the confirming connection now has a slot map, about to go stale

    // A graceful failover of a shard that still has its replica: the old master stays up and answers MOVED.
    let promoted: RedisServer | undefined;
    for (const master of await cluster.masters()) {
      const nodes = await master.command('CLUSTER', 'NODES');
      const id = nodes.split('\n').find((line) => line.includes('myself'))!.split(' ')[0]!;
      const line = nodes.split('\n').find((l) => l.split(' ')[3] === id && !l.includes('fail'));
      if (!line) continue;
      promoted = cluster.nodes.find((n) => `${n.host}:${n.port}` === line.split(' ')[1]!.split('@')[0]);
      break;
    }
    await promoted!.command('CLUSTER', 'FAILOVER');
    await until('the manual failover', async () => (await promoted!.command('INFO', 'replication')).includes('role:master'));
    await until('the old master to follow', settled(promoted!));
    // Fail-closed is right while the old master re-attaches (WAIT answers 0 until it has): what this test
    // asserts is the redirect, so it waits — on fresh connections, leaving the store's slot map stale —
    // until every shard confirms writes again.
    await cluster.waitReplicated();

    const issued = await Promise.all(Array.from({ length: 30 }, (_, i) => outcome(async () => ({ valid: (await resets.issue(`u-after-${i}`)).token.length > 0 }))));
    expect(issued.filter((o) => o !== 'ok')).toEqual([]);
    await safe.close();
  }, 60_000);
});
