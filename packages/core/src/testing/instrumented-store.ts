import type {
  ConsumeResult,
  PutOptions,
  Store,
  StoredRecord,
  UpdateOptions,
  UsedByPage,
  UsedByPageOptions,
  UseRequest,
  UseResult,
  WindowCount,
} from '../store/types.js';
import { STORE_METHODS, type StoreMethod } from '../pipeline/credential-pipeline.js';

export type { StoreMethod } from '../pipeline/credential-pipeline.js';

const METHODS: readonly StoreMethod[] = [...STORE_METHODS, 'usedBy'];

function zeroCounts(): Record<StoreMethod, number> {
  return Object.fromEntries(METHODS.map((m) => [m, 0])) as Record<StoreMethod, number>;
}

/**
 * Wraps a store, counts every call per method, and can be switched to fail:
 * while `failure` is set every method rejects with it (a plain `Error`, the way
 * a driver would), after counting the call.
 */
export class InstrumentedStore implements Store {
  calls = zeroCounts();
  failure: Error | null = null;
  /** Arguments of every `update` call, in order. */
  readonly updates: Array<{ ns: string; id: string; patch: Partial<StoredRecord> }> = [];

  constructor(readonly inner: Store) {}

  /** @returns the number of calls since the last {@link reset} */
  total(): number {
    return METHODS.reduce((sum, m) => sum + this.calls[m], 0);
  }

  /** Zeroes the counters. */
  reset(): void {
    this.calls = zeroCounts();
    this.updates.length = 0;
  }

  private enter(method: StoreMethod): void {
    this.calls[method]++;
    if (this.failure) throw this.failure;
  }

  async put(ns: string, record: StoredRecord, options: PutOptions): Promise<boolean> {
    this.enter('put');
    return this.inner.put(ns, record, options);
  }

  async get<R extends StoredRecord>(ns: string, id: string): Promise<R | null> {
    this.enter('get');
    return this.inner.get<R>(ns, id);
  }

  async update<R extends StoredRecord>(
    ns: string,
    id: string,
    patch: Partial<R>,
    options?: UpdateOptions,
  ): Promise<R | null> {
    this.enter('update');
    this.updates.push({ ns, id, patch: { ...patch } });
    return this.inner.update<R>(ns, id, patch, options);
  }

  async delete(ns: string, id: string): Promise<boolean> {
    this.enter('delete');
    return this.inner.delete(ns, id);
  }

  async consume<R extends StoredRecord>(ns: string, id: string, hashes: readonly string[], now: number): Promise<ConsumeResult<R>> {
    this.enter('consume');
    return this.inner.consume<R>(ns, id, hashes, now);
  }

  async use<R extends StoredRecord>(ns: string, id: string, request: UseRequest): Promise<UseResult<R>> {
    this.enter('use');
    return this.inner.use<R>(ns, id, request);
  }

  async hit(ns: string, key: string, windowMs: number, cost?: number): Promise<WindowCount> {
    this.enter('hit');
    return this.inner.hit(ns, key, windowMs, cost);
  }

  async indexAdd(ns: string, subject: string, id: string, ttlMs: number | null): Promise<void> {
    this.enter('indexAdd');
    return this.inner.indexAdd(ns, subject, id, ttlMs);
  }

  async indexMembers(ns: string, subject: string): Promise<string[]> {
    this.enter('indexMembers');
    return this.inner.indexMembers(ns, subject);
  }

  async indexRemove(ns: string, subject: string, ids: readonly string[]): Promise<void> {
    this.enter('indexRemove');
    return this.inner.indexRemove(ns, subject, ids);
  }

  async usedBy(ns: string, id: string, options?: UsedByPageOptions): Promise<UsedByPage> {
    this.enter('usedBy');
    return this.inner.usedBy(ns, id, options);
  }
}
