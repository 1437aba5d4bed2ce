import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiKeys } from '../api-keys/index.js';
import { ConfigError, StoreUnavailableError } from '../errors.js';
import { Invitations } from '../invitations/index.js';
import { ResetTokens } from '../reset-tokens/index.js';
import { MemoryStore } from '../store/memory-store.js';
import type { Store } from '../store/types.js';
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

  describe('a store written outside the repository', () => {
    /** The MemoryStore's methods as own properties, minus some. */
    const storeWithout = (...missing: string[]): Store => {
      const memory = new MemoryStore({ sweepIntervalMs: 0 });
      const methods = ['put', 'get', 'update', 'delete', 'consume', 'use', 'hit', 'usedBy', 'indexAdd', 'indexMembers', 'indexRemove'];
      const store: Record<string, unknown> = {};
      for (const method of methods) {
        if (!missing.includes(method)) store[method] = (memory as unknown as Record<string, (...args: unknown[]) => unknown>)[method]!.bind(memory);
      }
      return store as unknown as Store;
    };

    it('a missing method fails every manager at construction, not mid-request', () => {
      const store = storeWithout('indexRemove');
      for (const build of [
        () => new ApiKeys({ store, secret: TEST_SECRET }),
        () => new ResetTokens({ store, secret: TEST_SECRET }),
        () => new Invitations({ store, secret: TEST_SECRET }),
      ]) {
        expect(build).toThrow(ConfigError);
        expect(build).toThrow('options.store does not implement Store.indexRemove();');
      }
      expect(() => new ResetTokens({ store, secret: TEST_SECRET })).toThrow(/^ResetTokens: /);
    });

    it('one ConfigError names every missing method; usedBy is required by Invitations only', () => {
      const store = storeWithout('indexRemove', 'usedBy', 'hit');
      expect(() => new Invitations({ store, secret: TEST_SECRET })).toThrow(
        'Invitations: options.store does not implement Store.hit(), Store.indexRemove(), Store.usedBy();',
      );
      const withoutUsedBy = storeWithout('usedBy');
      expect(() => new Invitations({ store: withoutUsedBy, secret: TEST_SECRET })).toThrow('does not implement Store.usedBy();');
      expect(() => new ApiKeys({ store: withoutUsedBy, secret: TEST_SECRET })).not.toThrow();
      expect(() => new ResetTokens({ store: withoutUsedBy, secret: TEST_SECRET })).not.toThrow();
    });

    it('plain errors thrown synchronously or rejected by any store call become StoreUnavailableError', async () => {
      const memory = new MemoryStore({ sweepIntervalMs: 0 });
      const apiKeys = new ApiKeys({ store: memory, secret: TEST_SECRET });
      const resets = new ResetTokens({ store: memory, secret: TEST_SECRET });
      const invites = new Invitations({ store: memory, secret: TEST_SECRET });
      const { key, apiKey } = await apiKeys.create({ ownerId: 'o' });
      const { token, reset } = await resets.issue('u');
      const { code, invitation } = await invites.create({ createdBy: 'a' });
      const calls: Array<() => Promise<unknown>> = [
        () => apiKeys.create({ ownerId: 'o' }),
        () => apiKeys.verify(key),
        () => apiKeys.get(apiKey.id),
        () => apiKeys.list({ ownerId: 'o' }),
        () => apiKeys.revoke(apiKey.id),
        () => apiKeys.rotate(apiKey.id),
        () => resets.issue('u2'),
        () => resets.check(token),
        () => resets.consume(token),
        () => resets.get(reset.id),
        () => resets.list({ userId: 'u' }),
        () => resets.revokeAll('u'),
        () => invites.create({ createdBy: 'a' }),
        () => invites.check(code),
        () => invites.redeem(code, { userId: 'u' }),
        () => invites.get(invitation.id),
        () => invites.list(),
        () => invites.redeemers(invitation.id),
        () => invites.revoke(invitation.id),
        () => invites.stats(),
      ];
      for (const mode of ['throw', 'reject'] as const) {
        const restore: Array<() => void> = [];
        for (const method of ['put', 'get', 'update', 'delete', 'consume', 'use', 'hit', 'usedBy', 'indexAdd', 'indexMembers', 'indexRemove']) {
          const target = memory as unknown as Record<string, unknown>;
          target[method] =
            mode === 'throw'
              ? () => {
                  throw new TypeError(`${method} is broken`);
                }
              : () => Promise.reject(new Error(`${method} is broken`));
          restore.push(() => delete target[method]);
        }
        for (const call of calls) {
          await expect(call()).rejects.toMatchObject({ name: 'StoreUnavailableError', code: 'STORE_UNAVAILABLE' });
        }
        for (const undo of restore) undo();
      }
      // Nothing was spent by the failures above.
      expect((await resets.consume(token)).valid).toBe(true);
    });

    it("ResetTokens.consume: a failing index cleanup after the atomic consume does not turn a used token's answer into an error", async () => {
      const memory = new MemoryStore({ sweepIntervalMs: 0 });
      const resets = new ResetTokens({ store: memory, secret: TEST_SECRET, onIssue: 'keep' });
      const { token, reset } = await resets.issue('u');
      memory.indexRemove = () => {
        throw new TypeError('indexRemove is broken');
      };
      expect(await resets.consume(token)).toEqual({ valid: true, reset });
      expect(await resets.consume(token)).toEqual({ valid: false, code: 'NOT_FOUND' });
      // The stale index entry is pruned later; revokeAll reports its own failure as StoreUnavailableError.
      await expect(resets.revokeAll('u')).rejects.toBeInstanceOf(StoreUnavailableError);
    });

    it("ApiKeys: a store whose lastUsedAt write throws synchronously still verifies (the write is best effort)", async () => {
      const memory = new MemoryStore({ sweepIntervalMs: 0 });
      const apiKeys = new ApiKeys({ store: memory, secret: TEST_SECRET });
      const { key } = await apiKeys.create({ ownerId: 'o' });
      memory.update = () => {
        throw new TypeError('update is broken');
      };
      expect((await apiKeys.verify(key)).valid).toBe(true);
    });
  });
});
