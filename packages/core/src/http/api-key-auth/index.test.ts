import { describe, expect, it } from 'vitest';
import { type ApiKey, ApiKeys } from '../../api-keys/index.js';
import { StoreUnavailableError } from '../../errors.js';
import { isThenable } from '../../maybe-promise.js';
import { MemoryStore } from '../../store/memory-store.js';
import { InstrumentedStore } from '../../test-utils/stores.js';
import { neutralRequest } from '../testing/neutral-request.js';
import { createApiKeyAuthFlow } from './index.js';

const secret = 'unit-test-secret-0123456789abcdefghij';

describe('createApiKeyAuthFlow', () => {
  it('attaches the key on success and answers problems otherwise', async () => {
    const apiKeys = new ApiKeys({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret });
    const { key } = await apiKeys.create({ ownerId: 'o', scopes: ['read'] });
    const guard = createApiKeyAuthFlow({ apiKeys, scopes: ['read'], realm: 'my "api"' });
    const ok = await guard(neutralRequest({ headers: { authorization: `Bearer ${key}` } }));
    expect(ok.response).toBeUndefined();
    expect(!ok.response && ok.apiKey?.ownerId).toBe('o');
    const missing = await guard(neutralRequest());
    expect(missing.response?.headers['www-authenticate']).toBe('Bearer realm="my \\"api\\""');
  });

  it('throttle: false never touches the store for failures; limit+1-th failure is 429 otherwise', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const apiKeys = new ApiKeys({ store, secret });
    const open = createApiKeyAuthFlow({ apiKeys, throttle: false });
    for (let i = 0; i < 30; i++) expect((await open(neutralRequest({ headers: { 'x-api-key': 'sk_x' } }))).response?.status).toBe(401);
    expect(store.size).toBe(0);
    const guarded = createApiKeyAuthFlow({ apiKeys, throttle: { limit: 2, window: '10s' } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await guarded(neutralRequest({ headers: { 'x-api-key': 'sk_x' } }))).response?.status ?? 0);
    expect(statuses).toEqual([401, 401, 429, 429]);
    const other = await guarded(neutralRequest({ ip: '::1', headers: { 'x-api-key': 'sk_x' } }));
    expect(other.response?.status).toBe(401);
  });

  it('answers in the same tick on a synchronous store, with a native promise on an asynchronous one', async () => {
    const memory = new MemoryStore({ sweepIntervalMs: 0 });
    const apiKeys = new ApiKeys({ store: memory, secret });
    const { key } = await apiKeys.create({ ownerId: 'o' });
    const guard = createApiKeyAuthFlow({ apiKeys });
    const now = guard(neutralRequest({ headers: { authorization: `Bearer ${key}` } }));
    expect(isThenable(now)).toBe(false);
    expect(!isThenable(now) && !now.response && now.apiKey?.ownerId).toBe('o');
    expect(isThenable(guard(neutralRequest()))).toBe(false); // no key: 401 at once

    // An invalid key is counted by the throttle (a store call): a promise, even on a MemoryStore.
    const invalid = guard(neutralRequest({ headers: { authorization: 'Bearer sk_x' } }));
    expect(invalid).toBeInstanceOf(Promise);
    expect((await invalid).response?.status).toBe(401);

    const asyncStore = new InstrumentedStore(memory); // answers with promises
    const later = createApiKeyAuthFlow({ apiKeys: new ApiKeys({ store: asyncStore, secret }) })(
      neutralRequest({ headers: { authorization: `Bearer ${key}` } }),
    );
    expect(later).toBeInstanceOf(Promise);
    expect((await later).response).toBeUndefined();
  });

  it('a store failure — thrown, rejected, or in the throttle count — is a 503, never a pass', async () => {
    const memory = new MemoryStore({ sweepIntervalMs: 0 });
    const seeded = new ApiKeys({ store: memory, secret });
    const { key } = await seeded.create({ ownerId: 'o' });
    const down = new StoreUnavailableError('down', { retryAfterMs: 2000 });
    const failing = (mode: 'throw' | 'reject' | 'hit') =>
      new Proxy(memory, {
        get: (target, name) => {
          if (name === 'use' && mode === 'throw') return () => { throw down; };
          if (name === 'use' && mode === 'reject') return () => Promise.reject(new Error('ECONNRESET'));
          if (name === 'hit' && mode === 'hit') return () => Promise.reject(down);
          return Reflect.get(target, name);
        },
      });
    for (const mode of ['throw', 'reject', 'hit'] as const) {
      const guard = createApiKeyAuthFlow({ apiKeys: new ApiKeys({ store: failing(mode), secret }) });
      const presented = mode === 'hit' ? 'sk_x' : key;
      const outcome = await guard(neutralRequest({ headers: { authorization: `Bearer ${presented}` } }));
      expect(outcome.response?.status, mode).toBe(503);
      expect(outcome.response?.headers['retry-after'], mode).toMatch(/^\d+$/);
    }
  });

  it('accepts a test double that implements only verify()', async () => {
    const apiKey = { id: 'k', ownerId: 'o' } as unknown as ApiKey;
    const double = { verify: async () => ({ valid: true as const, apiKey }) } as unknown as ApiKeys;
    const guard = createApiKeyAuthFlow({ apiKeys: double });
    const outcome = await guard(neutralRequest({ headers: { authorization: 'Bearer sk_anything' } }));
    expect(outcome).toEqual({ response: undefined, apiKey });
  });

  it('rejects configuration mistakes at construction', () => {
    expect(() => createApiKeyAuthFlow({} as never)).toThrow(/apiKeys is required/);
    const apiKeys = new ApiKeys({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret });
    expect(() => createApiKeyAuthFlow({ apiKeys, from: [] })).toThrow(/non-empty/);
    expect(() => createApiKeyAuthFlow({ apiKeys, throttle: { limit: -1, window: '1m' } })).toThrow(/limit/);
  });
});
