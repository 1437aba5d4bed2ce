/**
 * Memory per record, measured with `MEMORY USAGE … SAMPLES 0` on real
 * records the managers wrote (numbers go into the package README). Typical
 * records must stay compact listpack hashes.
 */
import { ApiKeys, Invitations, ResetTokens } from '@tokenkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../helpers/redis-server.js';
import { connectRedis, storeHarness } from './harness.js';

const SECRET = 'memory-secret-0123456789abcdefghijklmnopq';
let server: RedisServer;
let harness: ReturnType<typeof storeHarness>;

// A private server: the test changes hash-max-listpack-value.
beforeAll(async () => {
  server = await RedisServer.start();
  harness = storeHarness(await connectRedis(server.url));
});
afterAll(async () => {
  try {
    await harness?.close();
  } finally {
    await server?.dispose();
  }
});

async function usage(key: string): Promise<{ bytes: number; encoding: string }> {
  const client = harness.client;
  const bytes = Number(await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
  const encoding = String(await client.call('OBJECT', 'ENCODING', key));
  return { bytes, encoding };
}

describe('RedisStore memory per record', () => {
  it('typical records are listpack hashes of a few hundred bytes', async () => {
    const store = harness.store;
    const keys = store.keys;
    const apiKeys = new ApiKeys({ store, secret: SECRET });
    const resets = new ResetTokens({ store, secret: SECRET });
    const invites = new Invitations({ store, secret: SECRET });

    const plain = await apiKeys.create({ ownerId: 'user_8f3a2c91', name: 'CI deploy', scopes: ['read', 'write'] });
    const limited = await apiKeys.create({
      ownerId: 'user_8f3a2c91',
      name: 'partner integration',
      scopes: ['read'],
      remaining: 10_000,
      rateLimit: { limit: 100, window: '1m' },
      expiresIn: '90d',
    });
    await apiKeys.verify(limited.key);
    const withMeta = await apiKeys.create({
      ownerId: 'user_8f3a2c91',
      meta: { team: 'platform', environment: 'production', ticket: 'OPS-1234', createdVia: 'admin console' },
    });
    const meta = { team: 'platform', environment: 'production', ticket: 'OPS-1234', createdVia: 'admin console' };
    await server.command('CONFIG', 'SET', 'hash-max-listpack-value', '1024');
    const withMetaTuned = await apiKeys.create({ ownerId: 'user_8f3a2c91', meta });
    await server.command('CONFIG', 'SET', 'hash-max-listpack-value', '64');
    await resets.issue('user_8f3a2c91');
    const resetId = (await store.indexMembers('rst', 'user_8f3a2c91'))[0]!;
    const invite = await invites.create({ createdBy: 'admin_1', role: 'editor', maxUses: 5, email: 'new.hire@example.com' });
    await invites.redeem(invite.code, { userId: 'user_42', email: 'new.hire@example.com' });

    const rows: Array<[string, { bytes: number; encoding: string }]> = [
      ['API key (name, 2 scopes, no expiry)', await usage(keys.record('key', plain.apiKey.id))],
      ['API key (remaining, rateLimit, expiry)', await usage(keys.record('key', limited.apiKey.id))],
      ['  its rate-limit window counter', await usage(keys.rateLimit(keys.record('key', limited.apiKey.id)))],
      ['API key with 95-byte meta', await usage(keys.record('key', withMeta.apiKey.id))],
      ['  same, hash-max-listpack-value 1024', await usage(keys.record('key', withMetaTuned.apiKey.id))],
      ['reset token', await usage(keys.record('rst', resetId))],
      ['invitation (email-bound, 1 of 5 uses spent)', await usage(keys.record('inv', invite.invitation.id))],
      ['owner index, 4 ids', await usage(keys.index('key', 'user_8f3a2c91'))],
      ['reset index, 1 id', await usage(keys.index('rst', 'user_8f3a2c91'))],
    ];
    console.log(
      `\nMEMORY USAGE (Redis ${String(await harness.client.call('INFO', 'server')).match(/redis_version:(\S+)/)?.[1]}):\n${rows
        .map(([name, { bytes, encoding }]) => `  ${name.padEnd(46)} ${String(bytes).padStart(5)} B  ${encoding}`)
        .join('\n')}`,
    );
    const by = new Map(rows);
    for (const name of [
      '  same, hash-max-listpack-value 1024',
      'API key (name, 2 scopes, no expiry)', 'API key (remaining, rateLimit, expiry)', 'reset token', 'invitation (email-bound, 1 of 5 uses spent)']) {
      expect(by.get(name)!.encoding).toBe('listpack');
      expect(by.get(name)!.bytes).toBeLessThan(600);
    }
  });
});
