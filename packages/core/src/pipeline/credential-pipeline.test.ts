import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiKeys } from '../api-keys/index.js';
import { StoreUnavailableError } from '../errors.js';
import { Invitations } from '../invitations/index.js';
import { ResetTokens } from '../reset-tokens/index.js';
import { MemoryStore } from '../store/memory-store.js';
import { InstrumentedStore, TEST_SECRET } from '../test-utils/stores.js';

describe('credential pipeline (shared by the three managers)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('without a secret: plain SHA-256 (`s$…`) and a one-time TOKENKIT_NO_SECRET warning', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const apiKeys = new ApiKeys({ store });
    new ResetTokens({ store });
    new Invitations({ store });
    new ApiKeys({ store });
    expect(warn).toHaveBeenCalledTimes(1);
    const [message, options] = warn.mock.calls[0] as [string, { code: string; type: string }];
    expect(options).toEqual({ code: 'TOKENKIT_NO_SECRET', type: 'TokenkitWarning' });
    expect(message).toContain('ApiKeys has no secret: credentials are stored as plain SHA-256');
    expect(message).toContain('{ secret: process.env.TOKENKIT_SECRET }');
    const { key } = await apiKeys.create({ ownerId: 'o' });
    expect(store.dump()[0]?.record.hash).toBe(`s$${createHash('sha256').update(key).digest('base64url')}`);
    expect((await apiKeys.verify(key)).valid).toBe(true);
    // A keyed manager does not accept the unkeyed record, and vice versa.
    expect(await new ApiKeys({ store, secret: TEST_SECRET }).verify(key)).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('mint retries an id collision (only-if-absent put) and gives up after 5 attempts with StoreUnavailableError', async () => {
    const store = new InstrumentedStore(new MemoryStore({ sweepIntervalMs: 0 }));
    const apiKeys = new ApiKeys({ store, secret: TEST_SECRET });
    const realPut = store.put.bind(store);
    let refusals = 2;
    const seenIfAbsent: Array<boolean | undefined> = [];
    store.put = async (ns, record, options) => {
      seenIfAbsent.push(options.ifAbsent);
      if (refusals-- > 0) return false;
      return realPut(ns, record, options);
    };
    const { key } = await apiKeys.create({ ownerId: 'o' });
    expect(seenIfAbsent).toEqual([true, true, true]);
    expect((await apiKeys.verify(key)).valid).toBe(true);

    store.put = async () => false;
    await expect(apiKeys.create({ ownerId: 'o' })).rejects.toThrow(new StoreUnavailableError('could not find a free id after 5 attempts'));
  });

  it('a store method that throws synchronously or rejects with a non-Error still becomes StoreUnavailableError', async () => {
    const store = new InstrumentedStore(new MemoryStore({ sweepIntervalMs: 0 }));
    const invites = new Invitations({ store, secret: TEST_SECRET });
    const { code } = await invites.create({ createdBy: 'a' });
    store.use = () => {
      throw new TypeError('client is closed');
    };
    await expect(invites.redeem(code, { userId: 'u' })).rejects.toMatchObject({
      name: 'StoreUnavailableError',
      message: 'store operation failed: client is closed',
    });
    store.use = () => Promise.reject('timeout');
    await expect(invites.redeem(code, { userId: 'u' })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: 'store operation failed: timeout',
      cause: 'timeout',
    });
  });

  it('MemoryStore full: writes reject with StoreUnavailableError instead of evicting live credentials', async () => {
    const store = new MemoryStore({ maxEntries: 4, sweepIntervalMs: 0 });
    const resets = new ResetTokens({ store, secret: TEST_SECRET, onIssue: 'keep' });
    const first = await resets.issue('u1'); // record + index set
    const second = await resets.issue('u2'); // record + index set
    await expect(resets.issue('u3')).rejects.toThrow(StoreUnavailableError);
    await expect(resets.issue('u3')).rejects.toThrow('MemoryStore is full (maxEntries=4); raise maxEntries or use RedisStore');
    expect((await resets.check(first.token)).valid).toBe(true);
    expect((await resets.check(second.token)).valid).toBe(true);
  });
});
