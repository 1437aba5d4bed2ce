import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../helpers/redis-server.js';
import { cli, closedPort, oneLine, REDIS_URL, SECRET } from './helpers.js';

const WITH_SECRET = { TOKENKIT_SECRET: SECRET };

describe('store configuration errors (exit 1, checked before connecting)', () => {
  it.each([
    ['apikey create', ['apikey', 'create', '--owner', 'u1']],
    ['apikey list', ['apikey', 'list', '--owner', 'u1']],
    ['apikey revoke', ['apikey', 'revoke', 'abcdefghij']],
    ['invite create', ['invite', 'create', '--by', 'admin']],
    ['invite stats', ['invite', 'stats']],
  ])('%s without --redis or REDIS_URL', async (_, argv) => {
    const r = await cli(argv, WITH_SECRET);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(oneLine(r.stderr)).toMatch(/no store: pass --redis redis:\/\/host:6379 or set REDIS_URL/);
  });

  it.each([
    ['apikey create', ['apikey', 'create', '--owner', 'u1']],
    ['apikey rotate', ['apikey', 'rotate', 'abcdefghij']],
    ['apikey verify', ['apikey', 'verify', 'sk_whatever']],
    ['invite create', ['invite', 'create', '--by', 'admin']],
  ])('%s without --secret or TOKENKIT_SECRET', async (_, argv) => {
    const r = await cli(argv, { REDIS_URL });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/no secret: set TOKENKIT_SECRET \(or pass --secret\)/);
  });

  it('a secret shorter than 32 characters is rejected with how to make one', async () => {
    const r = await cli(['apikey', 'create', '--owner', 'u1', '--secret', 'short'], { REDIS_URL });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/--secret\/TOKENKIT_SECRET: secret must be a string of at least 32 characters.*tokenkit token/);
  });

  it.each([
    [['--redis', 'http://127.0.0.1:6379'], /--redis must start with redis:\/\/ or rediss:\/\//],
    [['--redis', 'not a url'], /--redis must be a URL like redis:\/\/host:6379\/0/],
    [['--key-prefix', 'SK-Live'], /--key-prefix must be lower-case letters\/digits/],
    [['--timeout', 'soon'], /--timeout must be a duration like 90s/],
    [['--expires', '0'], /--expires must be a positive duration/],
    [['--expires', '-1d'], /--expires must be a duration/],
    [['--remaining', '1.5'], /--remaining must be an integer >= 1/],
    [['--rate-limit', '100'], /--rate-limit must look like 100\/1m/],
    [['--rate-limit', '0/1m'], /--rate-limit limit must be an integer >= 1/],
    [['--rate-limit', '10/forever'], /--rate-limit window must be a duration/],
    [['--scope', ','], /expected a non-empty value/],
    [['--prefix', 'tk:{x}:'], /--prefix: RedisStore: prefix "tk:{x}:" must be a string without '{' or '}'/],
  ])('apikey create %j → exit 1', async (flags, message) => {
    const r = await cli(['apikey', 'create', '--owner', 'u1', ...flags], { ...WITH_SECRET, REDIS_URL });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(message);
  });

  it('the password of a Redis URL never appears in messages', async () => {
    const r = await cli(['apikey', 'list', '--owner', 'u1', '--redis', 'http://:hunter2-secret@host:1'], WITH_SECRET);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('hunter2');
  });
});

describe('Redis unreachable → exit 2 within a few seconds', () => {
  it.each([
    ['apikey create', ['apikey', 'create', '--owner', 'u1']],
    ['apikey list', ['apikey', 'list', '--owner', 'u1']],
    ['apikey verify', ['apikey', 'verify', 'sk_whatever']],
    ['invite stats', ['invite', 'stats']],
  ])('%s', async (_, argv) => {
    const port = await closedPort();
    const started = Date.now();
    const r = await cli([...argv, '--redis', `redis://:pw-never-shown@127.0.0.1:${port}`], WITH_SECRET);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const line = oneLine(r.stderr);
    expect(line).toMatch(new RegExp(`Redis unavailable at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
    expect(line).not.toContain('pw-never-shown');
  });
});

describe('Redis hung (a real redis-server frozen with SIGSTOP) → exit 2 after --timeout', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
    await server.pause();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it.each([
    ['apikey list', ['apikey', 'list', '--owner', 'u1']],
    ['invite create', ['invite', 'create', '--by', 'admin']],
  ])('%s', async (_, argv) => {
    const started = Date.now();
    const r = await cli([...argv, '--redis', server.url, '--timeout', '700ms'], WITH_SECRET);
    const elapsed = Date.now() - started;
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/Redis unavailable at redis:\/\/127\.0\.0\.1:\d+.*no answer within 700 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(650);
    expect(elapsed).toBeLessThan(1500);
  });
});
