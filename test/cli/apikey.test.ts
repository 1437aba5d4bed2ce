import { ApiKeys } from '@tokenkit/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appStore, cli, listKeys, oneLine, REDIS_URL, redisSandbox, SECRET } from './helpers.js';

const sandbox = redisSandbox();
const { env, flags, prefix } = sandbox;
const KEY = /^sk_[0-9A-Za-z]{48}$/;

async function create(...extra: string[]) {
  const r = await cli(['apikey', 'create', ...flags, '--json', ...extra], env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { key: string; apiKey: { id: string; start: string; [k: string]: unknown } };
}

const verify = (key: string, ...extra: string[]) => cli(['apikey', 'verify', key, ...flags, ...extra], env);

let redis: Redis;
beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  redis.disconnect();
  await sandbox.cleanup();
  expect(await listKeys(sandbox.prefix)).toEqual([]);
});

describe('apikey create → list → verify → revoke → verify', () => {
  it('runs the whole life cycle with the right exit codes and output', async () => {
    const before = Date.now();
    const { key, apiKey } = await create(
      '--owner', 'owner-a', '--name', 'deploy bot', '--scope', 'read,write', '--scope', 'read',
      '--expires', '30d', '--rate-limit', '100/1m',
    );
    expect(key).toMatch(KEY);
    expect(apiKey).toMatchObject({
      ownerId: 'owner-a',
      name: 'deploy bot',
      scopes: ['read', 'write'],
      revokedAt: null,
      remaining: null,
      rateLimit: { limit: 100, windowMs: 60_000 },
      start: `sk_${apiKey.id.slice(0, 4)}`,
    });
    expect(key.startsWith(`sk_${apiKey.id}`)).toBe(true);
    expect(apiKey.expiresAt as number).toBeGreaterThanOrEqual(before + 30 * 86_400_000);
    expect(apiKey.expiresAt as number).toBeLessThanOrEqual(Date.now() + 30 * 86_400_000);

    const table = await cli(['apikey', 'list', '--owner', 'owner-a', ...flags], env);
    expect(table.code).toBe(0);
    const [header, row, ...rest] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+START\s+NAME\s+SCOPES\s+STATUS\s+EXPIRES\s+LAST USED$/);
    expect(row).toMatch(new RegExp(`^${apiKey.id}\\s+${apiKey.start}\\s+deploy bot\\s+read, write\\s+active\\s+\\d{4}-`));
    expect(rest).toEqual([]);
    expect(table.stdout).not.toContain(key);

    const ok = await verify(key);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^valid\n/);
    expect(ok.stdout).toMatch(new RegExp(`id\\s+${apiKey.id}\\n`));
    expect((await verify(key, '--scope', 'read', '--scope', 'write')).code).toBe(0);

    const revoked = await cli(['apikey', 'revoke', apiKey.id, ...flags], env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^Revoked ${apiKey.start} \\(id ${apiKey.id}, owner owner-a\\) at \\d{4}-.*Z\\.\\n$`));

    const rejected = await verify(key);
    expect(rejected.code).toBe(3);
    expect(rejected.stdout).toBe('');
    expect(oneLine(rejected.stderr)).toBe('tokenkit: key rejected: REVOKED');
    const json = await verify(key, '--json');
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toEqual({ valid: false, code: 'REVOKED' });

    const listed = await cli(['apikey', 'list', '--owner', 'owner-a', ...flags, '--json'], env);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ id: apiKey.id, revokedAt: expect.any(Number) }]);
    expect(listed.stdout).toContain('"revokedAt"');
    const table2 = await cli(['apikey', 'list', '--owner', 'owner-a', ...flags], env);
    expect(table2.stdout).toMatch(/\s+revoked\s+/);
  });

  it('prints the full key first in human output, with the shown-once notice', async () => {
    const r = await cli(['apikey', 'create', '--owner', 'owner-h', ...flags], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(KEY);
    expect(r.stdout).toContain('only time the full key is shown');
    expect(r.stdout).toMatch(/owner\s+owner-h\n/);
    expect(r.stdout).toMatch(/expires\s+never\n/);
    expect(r.stdout).toMatch(/remaining\s+unlimited\n/);
  });

  it('creates keys the app accepts: the library verifies them with the same secret and prefix', async () => {
    const { key, apiKey } = await create('--owner', 'owner-lib', '--scope', 'read');
    const app = await appStore(sandbox.prefix);
    try {
      const apiKeys = new ApiKeys({ store: app.store, secret: SECRET });
      const result = await apiKeys.verify(key, { scopes: ['read'] });
      expect(result).toMatchObject({ valid: true, apiKey: { id: apiKey.id, ownerId: 'owner-lib' } });
      const otherSecret = new ApiKeys({ store: app.store, secret: 'x'.repeat(40) });
      expect(await otherSecret.verify(key)).toEqual({ valid: false, code: 'NOT_FOUND' });
    } finally {
      app.close();
    }
  });

  it('stores no raw key at rest', async () => {
    const { key } = await create('--owner', 'owner-rest');
    const values = await Promise.all((await listKeys(sandbox.prefix)).map((k) => redis.dumpBuffer(k)));
    const secretPart = key.slice(3 + 10, 3 + 10 + 32);
    for (const v of values) expect(v?.toString('latin1') ?? '').not.toContain(secretPart);
  });
});

describe('apikey verify', () => {
  it('reads the key from stdin with -', async () => {
    const { key } = await create('--owner', 'owner-stdin');
    const r = await cli(['apikey', 'verify', '-', ...flags], env, { stdin: `${key}\n` });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^valid\n/);
  });

  it('rejects a missing scope with exit 3 INSUFFICIENT_SCOPE', async () => {
    const { key } = await create('--owner', 'owner-s', '--scope', 'read');
    const r = await verify(key, '--scope', 'admin');
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toBe('tokenkit: key rejected: INSUFFICIENT_SCOPE');
  });

  it('--json on success prints the library result', async () => {
    const { key, apiKey } = await create('--owner', 'owner-j');
    const r = await verify(key, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, apiKey: { id: apiKey.id, ownerId: 'owner-j' } });
  });

  it('spends --remaining uses: exit 0 then exit 3 USAGE_EXCEEDED', async () => {
    const { key, apiKey } = await create('--owner', 'owner-r', '--remaining', '1');
    expect(apiKey.remaining).toBe(1);
    expect((await verify(key)).code).toBe(0);
    const r = await verify(key);
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toBe('tokenkit: key rejected: USAGE_EXCEEDED');
  });

  it('counts against --rate-limit: exit 3 RATE_LIMITED with a retry hint', async () => {
    const { key } = await create('--owner', 'owner-rl', '--rate-limit', '1/1h');
    expect((await verify(key)).code).toBe(0);
    const r = await verify(key);
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toMatch(/^tokenkit: key rejected: RATE_LIMITED \(retry after \d+ s\)$/);
    const json = JSON.parse((await verify(key, '--json')).stdout);
    expect(json).toMatchObject({ valid: false, code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
  });

  it('a different secret or a garbled key is rejected (exit 3)', async () => {
    const { key } = await create('--owner', 'owner-x');
    const wrongSecret = await cli(['apikey', 'verify', key, ...flags], { ...env, TOKENKIT_SECRET: 'y'.repeat(40) });
    expect(wrongSecret.code).toBe(3);
    expect(oneLine(wrongSecret.stderr)).toBe('tokenkit: key rejected: NOT_FOUND');
    const garbled = await verify(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`);
    expect(garbled.code).toBe(3);
    expect(oneLine(garbled.stderr)).toBe('tokenkit: key rejected: MALFORMED');
  });

  it('--key-prefix issues and verifies sk_live keys; the default prefix rejects them', async () => {
    const r = await cli(['apikey', 'create', '--owner', 'owner-p', '--key-prefix', 'sk_live', ...flags, '--json'], env);
    expect(r.code).toBe(0);
    const { key } = JSON.parse(r.stdout) as { key: string };
    expect(key).toMatch(/^sk_live_[0-9A-Za-z]{48}$/);
    expect((await verify(key, '--key-prefix', 'sk_live')).code).toBe(0);
    expect((await verify(key)).code).toBe(3);
  });

  it('accepts the current secret among several (--secret repeated: first signs, all verify)', async () => {
    const { key } = await create('--owner', 'owner-rot');
    const newSecret = 'n'.repeat(40);
    const r = await cli(['apikey', 'verify', key, ...flags, '--secret', newSecret, '--secret', SECRET], { REDIS_URL });
    expect(r.code).toBe(0);
  });
});

describe('apikey rotate', () => {
  it('issues a working replacement; the old key keeps working during --grace', async () => {
    const { key: oldKey, apiKey: old } = await create('--owner', 'owner-rot1', '--scope', 'read', '--name', 'ci');
    const before = Date.now();
    const r = await cli(['apikey', 'rotate', old.id, '--grace', '1h', ...flags, '--json'], env);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { key: string; apiKey: { id: string }; previous: { id: string; expiresAt: number } };
    expect(body.key).toMatch(KEY);
    expect(body.apiKey).toMatchObject({ ownerId: 'owner-rot1', scopes: ['read'], name: 'ci' });
    expect(body.apiKey.id).toBe(old.id);
    expect(body.previous.id).toBe(old.id);
    expect(body.previous.expiresAt).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(body.previous.expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect((await verify(body.key, '--scope', 'read')).code).toBe(0);
    expect((await verify(oldKey)).code).toBe(0);
    const listed = JSON.parse((await cli(['apikey', 'list', '--owner', 'owner-rot1', ...flags, '--json'], env)).stdout);
    expect(listed).toHaveLength(1);
  });

  it('without --grace the old key stops at once (exit 3 EXPIRED); human output shows the new key first', async () => {
    const { key: oldKey, apiKey: old } = await create('--owner', 'owner-rot2');
    const r = await cli(['apikey', 'rotate', old.id, ...flags], env);
    expect(r.code).toBe(0);
    const newKey = r.stdout.split('\n')[0]!;
    expect(newKey).toMatch(KEY);
    expect(r.stdout).toContain(`The previous key (id ${old.id}) stops working at`);
    expect((await verify(newKey)).code).toBe(0);
    const rejected = await verify(oldKey);
    expect(rejected.code).toBe(3);
    expect(oneLine(rejected.stderr)).toBe('tokenkit: key rejected: EXPIRED');
  });

  it('an unknown or revoked id → exit 1', async () => {
    const unknown = await cli(['apikey', 'rotate', 'AAAAAAAAAA', ...flags], env);
    expect(unknown.code).toBe(1);
    expect(oneLine(unknown.stderr)).toMatch(/no active API key with id "AAAAAAAAAA"/);
    const { apiKey } = await create('--owner', 'owner-rot3');
    expect((await cli(['apikey', 'revoke', apiKey.id, ...flags], env)).code).toBe(0);
    const revoked = await cli(['apikey', 'rotate', apiKey.id, ...flags], env);
    expect(revoked.code).toBe(1);
  });

  it('--grace rejects a non-duration', async () => {
    const r = await cli(['apikey', 'rotate', 'AAAAAAAAAA', '--grace', 'a while', ...flags], env);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/--grace must be a duration/);
  });
});

describe('apikey list / revoke edge cases', () => {
  it('list of an owner without keys prints a notice (exit 0) and [] with --json', async () => {
    const r = await cli(['apikey', 'list', '--owner', 'nobody', ...flags], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`No API keys for owner nobody under Redis key prefix ${JSON.stringify(prefix)}.\n`);
    // Nothing found is most often a prefix that differs from the app's: say so.
    expect(r.stdout).toMatch(/Hint: the prefix must equal your app's RedisStore prefix \(default tokenkit:\): pass --prefix/);
    expect(JSON.parse((await cli(['apikey', 'list', '--owner', 'nobody', ...flags, '--json'], env)).stdout)).toEqual([]);
  });

  it('without --prefix, REDIS_PREFIX (what the example apps read) is the prefix, so both meet', async () => {
    const { apiKey } = await create('--owner', 'owner-env-prefix');
    const r = await cli(['apikey', 'list', '--owner', 'owner-env-prefix', '--json'], { ...env, REDIS_PREFIX: prefix });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject([{ id: apiKey.id }]);
  });

  it('list and revoke do not need the secret', async () => {
    const { apiKey } = await create('--owner', 'owner-nosecret');
    const noSecret = { REDIS_URL };
    const list = await cli(['apikey', 'list', '--owner', 'owner-nosecret', ...flags, '--json'], noSecret);
    expect(list.code).toBe(0);
    expect(list.stderr).toBe('');
    expect(JSON.parse(list.stdout)).toHaveLength(1);
    const revoke = await cli(['apikey', 'revoke', apiKey.id, ...flags, '--json'], noSecret);
    expect(revoke.code).toBe(0);
    expect(JSON.parse(revoke.stdout)).toMatchObject({ id: apiKey.id, revokedAt: expect.any(Number) });
  });

  it('revoke of an unknown id → exit 1; revoking twice is fine', async () => {
    const r = await cli(['apikey', 'revoke', 'ZZZZZZZZZZ', ...flags], env);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe('tokenkit: no API key with id "ZZZZZZZZZZ"');
    const { apiKey } = await create('--owner', 'owner-twice');
    expect((await cli(['apikey', 'revoke', apiKey.id, ...flags], env)).code).toBe(0);
    expect((await cli(['apikey', 'revoke', apiKey.id, ...flags], env)).code).toBe(0);
  });

  it('missing --owner or id → exit 1 with one line', async () => {
    const noOwner = await cli(['apikey', 'create', ...flags], env);
    expect(noOwner.code).toBe(1);
    expect(oneLine(noOwner.stderr)).toMatch(/required option '--owner <id>' not specified/);
    const noId = await cli(['apikey', 'revoke', ...flags], env);
    expect(noId.code).toBe(1);
    expect(oneLine(noId.stderr)).toMatch(/missing required argument 'id'/);
    const emptyOwner = await cli(['apikey', 'list', '--owner', '', ...flags], env);
    expect(emptyOwner.code).toBe(1);
    expect(oneLine(emptyOwner.stderr)).toMatch(/ownerId must be a non-empty string/);
  });

  it('closes its Redis connection at the end of every run', async () => {
    await create('--owner', 'owner-conn');
    await verify('sk_notakey');
    const clients = await redis.client('LIST');
    expect(String(clients)).not.toContain(`name=tokenkit-cli:${process.pid}`);
  });
});
