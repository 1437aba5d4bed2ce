import type { ClusterOptions, RedisOptions } from 'ioredis';

/**
 * The options {@link recommendedRedisOptions} sets, typed by themselves rather
 * than as ioredis' whole `RedisOptions`: ioredis 6's `RedisOptions` is not
 * assignable to its own constructor parameter under `exactOptionalPropertyTypes`
 * (TS2769 on `replyMapping`), while this narrow type is accepted by the
 * constructor of ioredis 5 and 6 alike.
 */
export interface RecommendedRedisOptions {
  enableOfflineQueue: boolean;
  maxRetriesPerRequest: number;
  autoResendUnfulfilledCommands: boolean;
  connectTimeout: number;
  retryStrategy: (times: number) => number | null;
}

/**
 * ioredis options for a client that fails fast and heals by itself:
 * - `enableOfflineQueue: false` — while disconnected, commands reject at once
 *   instead of waiting (and running later, after the caller gave up);
 * - `maxRetriesPerRequest: 0` + `autoResendUnfulfilledCommands: false` — a
 *   command in flight when the connection drops is rejected, not replayed on
 *   the next connection;
 * - `connectTimeout` and a capped `retryStrategy` — reconnect attempts keep
 *   going every ≤ 1 s, so the store recovers as soon as Redis is back.
 *
 * @param overrides - anything to add or change (host, port, password, tls, sentinels, …)
 * @returns options for `new Redis(url, options)`: the fields set here plus the overrides, typed as just those
 * @example
 * ```ts
 * const client = new Redis(process.env.REDIS_URL!, recommendedRedisOptions())
 * ```
 */
export function recommendedRedisOptions<T extends RedisOptions = Record<never, never>>(
  overrides: T = {} as T,
): Omit<RecommendedRedisOptions, keyof T> & T {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: 2000,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    ...overrides,
  };
}

/**
 * The same for `new Redis.Cluster(nodes, options)`: the cluster client must
 * not queue either, and every node connection gets
 * {@link recommendedRedisOptions}.
 *
 * @param overrides - anything to add or change (`redisOptions` are merged)
 * @returns options for `new Redis.Cluster(nodes, options)`
 * @example
 * ```ts
 * const client = new Redis.Cluster([{ host: '10.0.0.1', port: 6379 }], recommendedClusterOptions())
 * ```
 */
export function recommendedClusterOptions(overrides: ClusterOptions = {}): ClusterOptions {
  return {
    enableOfflineQueue: false,
    clusterRetryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    ...overrides,
    redisOptions: recommendedRedisOptions(overrides.redisOptions),
  };
}
