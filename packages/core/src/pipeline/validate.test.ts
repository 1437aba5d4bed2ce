import { describe, expect, it } from 'vitest';
import { ApiKeys } from '../api-keys/index.js';
import { Invitations } from '../invitations/index.js';
import { ResetTokens } from '../reset-tokens/index.js';
import { MemoryStore } from '../store/memory-store.js';
import { TEST_SECRET } from '../test-utils/stores.js';
import { copyMeta } from './validate.js';

describe('copyMeta', () => {
  it('returns a deep copy, {} for empty or absent meta', () => {
    const stored = { plan: 'free', limits: { rps: 10 }, tags: ['a'] };
    const copy = copyMeta(stored);
    expect(copy).toEqual(stored);
    expect(copy).not.toBe(stored);
    expect(copy.limits).not.toBe(stored.limits);
    expect(copyMeta({})).toEqual({});
    expect(copyMeta(undefined)).toEqual({});
  });

  it('a caller changing the meta of one view never changes what the next read returns (every manager, MemoryStore)', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const meta = { plan: 'free', limits: { rps: 10 } };
    const apiKeys = new ApiKeys({ store, secret: TEST_SECRET });
    const { key, apiKey } = await apiKeys.create({ ownerId: 'o', meta });
    const verified = await apiKeys.verify(key);
    if (!verified.valid) throw new Error('key rejected');
    verified.apiKey.meta.plan = 'enterprise';
    (verified.apiKey.meta.limits as { rps: number }).rps = 1e9;
    expect((await apiKeys.get(apiKey.id))?.meta).toEqual(meta);
    expect(await apiKeys.verify(key)).toMatchObject({ valid: true, apiKey: { meta } });

    const resets = new ResetTokens({ store, secret: TEST_SECRET });
    const { token } = await resets.issue('user-1', { meta: { ip: '10.0.0.1' } });
    const checked = await resets.check(token);
    if (!checked.valid) throw new Error('token rejected');
    checked.reset.meta.ip = 'changed';
    expect(await resets.check(token)).toMatchObject({ valid: true, reset: { meta: { ip: '10.0.0.1' } } });

    const invites = new Invitations({ store, secret: TEST_SECRET });
    const { invitation } = await invites.create({ createdBy: 'admin', meta: { team: 'red' } });
    const first = await invites.get(invitation.id);
    if (!first) throw new Error('invitation missing');
    first.meta.team = 'blue';
    expect((await invites.get(invitation.id))?.meta).toEqual({ team: 'red' });
  });
});
