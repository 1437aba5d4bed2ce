export { MemoryStore } from './memory-store.js';
export type { MemoryStoreOptions } from './memory-store.js';
export { firstUseFailure } from './use-checks.js';
export type {
  Store,
  StoredRecord,
  PutOptions,
  UpdateOptions,
  UsedByPage,
  UsedByPageOptions,
  UseRequest,
  UseResult,
  UseFailure,
  ConsumeResult,
  WindowCount,
  RateLimitRule,
} from './types.js';
export type { MaybePromise } from '../maybe-promise.js';
