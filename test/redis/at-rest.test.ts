/**
 * At rest: after issuing 100 of each credential kind (and using them), a
 * SCAN of every key of the prefix shows no raw credential or secret part in
 * any key or value, the documented key layout, and a TTL on every key except
 * non-expiring API keys and their owner index.
 */
import { ApiKeys, Invitations, ResetTokens } from '@tokenkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, dumpKeys, SHARED_REDIS_URL, storeHarness } from './harness.js';

const SECRET = 'at-rest-secret-0123456789abcdefghijklmnop';
let harness: ReturnType<typeof storeHarness>;

beforeAll(async () => {
  harness = storeHarness(await connectRedis(SHARED_REDIS_URL));
});
afterAll(async () => {
  await harness?.close();
});

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('RedisStore at rest', () => {
  it('no raw credential or secret part in any key or value; every key expires except non-expiring API keys and their owner index', async () => {
    const store = harness.store;
    const apiKeys = new ApiKeys({ store, secret: SECRET });
    const resets = new ResetTokens({ store, secret: SECRET, onIssue: 'keep' });
    const invites = new Invitations({ store, secret: SECRET });
    const issued: string[] = [];
    const foreverIds = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const forever = i % 2 === 0;
      const created = await apiKeys.create({
        ownerId: `owner-${i % 7}`,
        scopes: ['read'],
        ...(forever ? {} : { expiresIn: '1h' }),
        ...(i % 3 === 0 ? { rateLimit: { limit: 100, window: '1m' }, remaining: 10 } : {}),
      });
      if (forever) foreverIds.add(created.apiKey.id);
      issued.push(created.key);
      expect((await apiKeys.verify(created.key)).valid).toBe(true);
      const reset = await resets.issue(`user-${i % 9}`);
      issued.push(reset.token);
      expect((await resets.check(reset.token)).valid).toBe(true);
      const invite = await invites.create({ createdBy: `admin-${i % 3}`, maxUses: 2, email: `p${i}@example.com` });
      issued.push(invite.code);
      expect((await invites.redeem(invite.code, { userId: `u${i}`, email: `P${i}@example.com ` })).valid).toBe(true);
      await store.hit('throttle:ip', `203.0.113.${i}`, 60_000);
    }

    const entries = await dumpKeys(harness.client, harness.prefix);
    const text = entries.map((e) => `${e.key}\n${e.value}`).join('\n');
    expect(entries.length).toBeGreaterThan(300);
    for (const credential of issued) {
      const body = credential.slice(credential.lastIndexOf('_') + 1);
      const secretPart = body.slice(10, 42);
      expect(text.includes(credential)).toBe(false);
      expect(text.includes(secretPart)).toBe(false);
      for (let at = 0; at + 12 <= secretPart.length; at += 4) expect(text.includes(secretPart.slice(at, at + 12))).toBe(false);
      expect(text.includes(body.slice(10))).toBe(false);
    }

    const p = escapeRegExp(harness.prefix);
    const layout = {
      record: new RegExp(`^${p}(key|rst|inv):\\{([0-9A-Za-z]{10})\\}$`),
      rateLimit: new RegExp(`^${p}key:\\{[0-9A-Za-z]{10}\\}:rl$`),
      used: new RegExp(`^${p}inv:\\{[0-9A-Za-z]{10}\\}:used$`),
      index: new RegExp(`^${p}ix:(key|rst|inv):\\{([^{}]+)\\}$`),
      window: new RegExp(`^${p}w:throttle%3Aip:\\{[^{}]+\\}$`),
    };
    const kinds = { record: 0, rateLimit: 0, used: 0, index: 0, window: 0 };
    const persistent: string[] = [];
    for (const { key, type, pttl } of entries) {
      const record = layout.record.exec(key);
      const index = layout.index.exec(key);
      if (record) {
        kinds.record++;
        expect(type).toBe('hash');
        if (record[1] === 'key' && foreverIds.has(record[2]!)) {
          expect(pttl).toBe(-1);
          persistent.push(key);
          continue;
        }
      } else if (index) {
        kinds.index++;
        expect(type).toBe('set');
        if (index[1] === 'key') {
          // The owner index of API keys never expires on its own (keys may be forever); list() prunes it.
          expect(pttl).toBe(-1);
          persistent.push(key);
          continue;
        }
      } else if (layout.rateLimit.test(key)) {
        kinds.rateLimit++;
      } else if (layout.used.test(key)) {
        // Who redeemed an invitation: a set beside its record, expiring with it.
        kinds.used++;
        expect(type).toBe('set');
      } else if (layout.window.test(key)) {
        kinds.window++;
      } else {
        throw new Error(`key outside the documented layout: ${key}`);
      }
      expect(pttl, key).toBeGreaterThan(0);
    }
    expect(kinds).toEqual({ record: 300, rateLimit: 34, used: 100, index: 7 + 9 + 3 + 1, window: 100 });
    expect(persistent).toHaveLength(50 + 7);
  });
});
