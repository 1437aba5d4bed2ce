/**
 * Shared pieces of the Redis tests: real clients with the recommended
 * options, a unique key prefix per run, and SCAN-based dump/cleanup that
 * touch only that prefix (the shared Redis on 6379 also serves other runs).
 */
import { once } from 'node:events';
import { tokenUrlsafe } from '@tokenkit/core';
import { RedisStore, recommendedClusterOptions, recommendedRedisOptions } from '@tokenkit/redis';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { StoreHarness } from '@tokenkit/core/testing';

/** The shared Redis of this machine / CI. */
export const SHARED_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** @returns a prefix no other run uses, e.g. `tktest:Xy3…:` */
export function uniquePrefix(): string {
  return `tktest:${tokenUrlsafe(9).replace(/[-_]/g, 'x')}:`;
}

/**
 * @param url - redis:// URL
 * @param overrides - extra ioredis options
 * @returns a connected client with the recommended fail-fast options
 */
export async function connectRedis(url: string, overrides: RedisOptions = {}): Promise<Redis> {
  const client = new Redis(url, recommendedRedisOptions({ lazyConnect: true, ...overrides }));
  client.on('error', () => {
    // Connection errors surface as rejected commands; the event only needs a listener.
  });
  await client.connect();
  return client;
}

/**
 * @param nodes - startup nodes
 * @returns a ready Cluster client with the recommended options
 */
export async function connectCluster(nodes: Array<{ host: string; port: number }>): Promise<Cluster> {
  const client = new Cluster(nodes, recommendedClusterOptions());
  client.on('error', () => {});
  if (client.status !== 'ready') await once(client, 'ready');
  return client;
}

/** Every key of `prefix` on a standalone server or on every master of a cluster. */
export async function scanKeys(client: Redis | Cluster, prefix: string): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const keys: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
  }
  return [...new Set(keys)];
}

/** Each key of `prefix` with its type, value text and PTTL. */
export async function dumpKeys(
  client: Redis | Cluster,
  prefix: string,
): Promise<Array<{ key: string; type: string; value: string; pttl: number }>> {
  const out: Array<{ key: string; type: string; value: string; pttl: number }> = [];
  for (const key of await scanKeys(client, prefix)) {
    const type = await client.type(key);
    let value: unknown = null;
    if (type === 'hash') value = await client.hgetall(key);
    else if (type === 'set') value = await client.smembers(key);
    else if (type === 'string') value = await client.get(key);
    else if (type === 'none') continue;
    out.push({ key, type, value: JSON.stringify(value), pttl: await client.pttl(key) });
  }
  return out;
}

/** Deletes every key of `prefix` (one DEL per key: keys live in different Cluster slots). */
export async function deletePrefix(client: Redis | Cluster, prefix: string): Promise<void> {
  const keys = await scanKeys(client, prefix);
  await Promise.all(keys.map((key) => client.del(key)));
}

/**
 * A conformance harness over a client: unique prefix, dump = keys and values
 * as text, close = delete the prefix's keys and quit.
 */
export function storeHarness(
  client: Redis | Cluster,
  options: { timeout?: number; clientTracking?: boolean } = {},
): StoreHarness & { prefix: string; store: RedisStore; client: Redis | Cluster } {
  const prefix = uniquePrefix();
  const store = new RedisStore({ client, prefix, ...options });
  return {
    prefix,
    store,
    client,
    dump: async () =>
      (await dumpKeys(client, prefix)).map(({ key, value }) => `${key}\n${value}`).join('\n'),
    close: async () => {
      await store.close();
      await deletePrefix(client, prefix);
      await client.quit();
    },
  };
}
