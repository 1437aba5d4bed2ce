import { createHook } from 'node:async_hooks';
import { ApiKeys, MemoryStore } from '@tokenkit/core';
import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
// An asynchronous store, as RedisStore is (relative import: test helpers are not part of core's API).
import { InstrumentedStore } from '../../../core/src/test-utils/stores.js';
import { apiKeyAuth } from './index.js';

const secret = 'express-unit-secret-0123456789abcdefghij';

describe('apiKeyAuth (Express)', () => {
  it('on a MemoryStore, a valid key reaches next() in the same tick, with no promise allocated', async () => {
    const apiKeys = new ApiKeys({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret });
    const { key } = await apiKeys.create({ ownerId: 'o' });
    const req = { method: 'GET', headers: { authorization: `Bearer ${key}` } } as unknown as Request;
    // The first use records lastUsedAt (a coalesced store write); the steady state is what is measured.
    await apiKeys.verify(key);
    const middleware = apiKeyAuth({ apiKeys });
    let nextArgs: unknown[] | undefined;
    let promises = 0;
    const hook = createHook({
      init: (_id, type) => {
        if (type === 'PROMISE') promises++;
      },
    }).enable();
    try {
      middleware(req, {} as Response, (...args: unknown[]) => {
        nextArgs = args;
      });
    } finally {
      hook.disable();
    }
    expect(nextArgs).toEqual([]);
    expect(promises).toBe(0);
    expect(req.apiKey?.ownerId).toBe('o');
  });

  it('on an asynchronous store, next() follows once the store answers; a programming error goes to next(err)', async () => {
    const store = new InstrumentedStore(new MemoryStore({ sweepIntervalMs: 0 })); // answers with promises
    const apiKeys = new ApiKeys({ store, secret });
    const { key } = await apiKeys.create({ ownerId: 'o' });
    const req = { method: 'GET', headers: { authorization: `Bearer ${key}` } } as unknown as Request;
    const reached = new Promise<unknown[]>((resolve) => apiKeyAuth({ apiKeys })(req, {} as Response, (...args: unknown[]) => resolve(args)));
    expect(req.apiKey).toBeUndefined();
    expect(await reached).toEqual([]);
    expect(req.apiKey?.ownerId).toBe('o');

    const bug = new TypeError('scopes exploded');
    // A key manager whose verification rejects with a programming error (a test double with only `verify`).
    const broken = { store, verify: () => Promise.reject(bug) } as unknown as ApiKeys;
    const failed = new Promise<unknown[]>((resolve) => apiKeyAuth({ apiKeys: broken })(req, {} as Response, (...args: unknown[]) => resolve(args)));
    expect(await failed).toEqual([bug]);
  });
});
