/**
 * @tokenkit/redis — `RedisStore` on ioredis (standalone, Sentinel or Cluster).
 * Explicit re-exports only: this list is the public API.
 */
export { RedisStore } from './redis-store.js';
export type { RedisStoreOptions } from './redis-store.js';
export type { WaitForReplicasOptions } from './replicas.js';
export { recommendedRedisOptions, recommendedClusterOptions } from './client-options.js';
export type { RecommendedRedisOptions } from './client-options.js';
export { KeyLayout, encodeTagPart, encodeNamespace } from './keys.js';
