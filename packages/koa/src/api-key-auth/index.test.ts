import { createHook } from 'node:async_hooks';
import { ApiKeys, MemoryStore } from '@tokenkit/core';
import type { Context } from 'koa';
import { describe, expect, it } from 'vitest';
// An asynchronous store, as RedisStore is (relative import: test helpers are not part of core's API).
import { InstrumentedStore } from '../../../core/src/test-utils/stores.js';
import { apiKeyAuth } from './index.js';

const secret = 'koa-unit-secret-0123456789abcdefghijklm';

function context(headers: Record<string, string>): Context {
  return { method: 'GET', req: { headers }, state: {} } as unknown as Context;
}

describe('apiKeyAuth (Koa)', () => {
  it('on a MemoryStore, a valid key calls next() in the same tick and returns its promise as is, with no promise allocated', async () => {
    const apiKeys = new ApiKeys({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret });
    const { key } = await apiKeys.create({ ownerId: 'o' });
    const ctx = context({ authorization: `Bearer ${key}` });
    const downstream = Promise.resolve('downstream');
    // The first use records lastUsedAt (a coalesced store write); the steady state is what is measured.
    await apiKeys.verify(key);
    const middleware = apiKeyAuth({ apiKeys });
    let called = false;
    let promises = 0;
    const hook = createHook({
      init: (_id, type) => {
        if (type === 'PROMISE') promises++;
      },
    }).enable();
    let returned: unknown;
    try {
      returned = middleware(ctx, () => {
        called = true;
        return downstream;
      });
    } finally {
      hook.disable();
    }
    expect(called).toBe(true);
    expect(promises).toBe(0);
    expect(returned).toBe(downstream);
    expect(ctx.state.apiKey?.ownerId).toBe('o');
  });

  it('on an asynchronous store, next() runs once the store answers and its result is awaited', async () => {
    const store = new InstrumentedStore(new MemoryStore({ sweepIntervalMs: 0 })); // answers with promises
    const apiKeys = new ApiKeys({ store, secret });
    const { key } = await apiKeys.create({ ownerId: 'o' });
    const ctx = context({ authorization: `Bearer ${key}` });
    let called = false;
    const returned = apiKeyAuth({ apiKeys })(ctx, async () => {
      called = true;
    });
    expect(called).toBe(false);
    expect(returned).toBeInstanceOf(Promise);
    await returned;
    expect(called).toBe(true);
    expect(ctx.state.apiKey?.ownerId).toBe('o');
  });
});
