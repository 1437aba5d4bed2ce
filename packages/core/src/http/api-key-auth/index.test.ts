import { describe, expect, it } from 'vitest';
import { ApiKeys } from '../../api-keys/index.js';
import { MemoryStore } from '../../store/memory-store.js';
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

  it('rejects configuration mistakes at construction', () => {
    expect(() => createApiKeyAuthFlow({} as never)).toThrow(/apiKeys is required/);
    const apiKeys = new ApiKeys({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret });
    expect(() => createApiKeyAuthFlow({ apiKeys, from: [] })).toThrow(/non-empty/);
    expect(() => createApiKeyAuthFlow({ apiKeys, throttle: { limit: -1, window: '1m' } })).toThrow(/limit/);
  });
});
