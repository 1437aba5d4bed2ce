import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../packages/cli/src/index.js';
import { cli, oneLine } from './helpers.js';

describe('tokenkit token', () => {
  it('defaults to 32 bytes base64url (43 chars) and differs every run', async () => {
    const a = await cli(['token']);
    const b = await cli(['token']);
    expect(a.code).toBe(0);
    expect(a.stderr).toBe('');
    expect(a.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(b.stdout).not.toBe(a.stdout);
  });

  it.each([
    [['token', '--urlsafe', '16'], /^[A-Za-z0-9_-]{22}\n$/],
    [['token', '--hex', '16'], /^[0-9a-f]{32}\n$/],
    [['token', '--hex'], /^[0-9a-f]{64}\n$/],
    [['token', '64', '--urlsafe'], /^[A-Za-z0-9_-]{86}\n$/],
  ])('%j prints the right format and length', async (argv, pattern) => {
    const r = await cli(argv);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(pattern);
  });

  it('--bytes writes exactly N raw bytes with no newline', async () => {
    const r = await cli(['token', '--bytes', '48']);
    expect(r.code).toBe(0);
    expect(r.bytes.length).toBe(48);
    const again = await cli(['token', '--bytes', '48']);
    expect(again.bytes.equals(r.bytes)).toBe(false);
  });

  it('--bytes refuses a terminal (exit 1)', async () => {
    const r = await cli(['token', '--bytes'], {}, { stdoutIsTTY: true });
    expect(r.code).toBe(1);
    expect(r.bytes.length).toBe(0);
    expect(oneLine(r.stderr)).toMatch(/refusing to write raw bytes to a terminal/);
  });

  it('--json reports token, encoding and size (bytes as base64)', async () => {
    const hex = JSON.parse((await cli(['token', '--hex', '8', '--json'])).stdout);
    expect(hex).toEqual({ token: expect.stringMatching(/^[0-9a-f]{16}$/), encoding: 'hex', bytes: 8 });
    const raw = JSON.parse((await cli(['token', '--bytes', '24', '--json'], {}, { stdoutIsTTY: true })).stdout);
    expect(raw.encoding).toBe('base64');
    expect(Buffer.from(raw.token, 'base64').length).toBe(24);
    const url = JSON.parse((await cli(['token', '--json'])).stdout);
    expect(url).toEqual({ token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), encoding: 'base64url', bytes: 32 });
  });

  it('warns on stderr below 16 bytes but still succeeds', async () => {
    const r = await cli(['token', '--hex', '8']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{16}\n$/);
    expect(r.stderr).toMatch(/warning: 64 bits of entropy/);
  });

  it.each([
    [['token', '-1'], /N must be an integer from 1 to 1048576, got "-1"/],
    [['token', '0'], /N must be an integer from 1 to 1048576, got "0"/],
    [['token', '1.5'], /N must be an integer/],
    [['token', 'abc'], /N must be an integer/],
    [['token', '1048577'], /N must be an integer from 1 to 1048576/],
    [['token', '--hex', '--bytes'], /option '--hex' cannot be used with option '--bytes'/],
    [['token', '--hexx'], /unknown option '--hexx'.*Did you mean --hex\?/],
    [['token', '16', '32'], /too many arguments/],
  ])('%j → exit 1 with one line', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(oneLine(r.stderr)).toMatch(message);
  });
});

describe('tokenkit password', () => {
  const classes = (s: string) => ({
    upper: /[A-Z]/.test(s),
    lower: /[a-z]/.test(s),
    digit: /[0-9]/.test(s),
    symbol: /[^A-Za-z0-9]/.test(s),
  });

  it('defaults to 20 characters with all four classes', async () => {
    for (let i = 0; i < 20; i++) {
      const r = await cli(['password']);
      expect(r.code).toBe(0);
      const pw = r.stdout.replace(/\n$/, '');
      expect(pw).toHaveLength(20);
      expect(classes(pw)).toEqual({ upper: true, lower: true, digit: true, symbol: true });
    }
  });

  it('--length, --no-symbols and --exclude shape the output', async () => {
    for (let i = 0; i < 20; i++) {
      const r = await cli(['password', '--length', '12', '--no-symbols', '--exclude', 'Il1O0o']);
      expect(r.code).toBe(0);
      const pw = r.stdout.replace(/\n$/, '');
      expect(pw).toMatch(/^[A-Za-z0-9]{12}$/);
      expect(pw).not.toMatch(/[Il1O0o]/);
      expect(classes(pw)).toEqual({ upper: true, lower: true, digit: true, symbol: false });
    }
  });

  it('--json', async () => {
    const r = await cli(['password', '--length', '40', '--json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.length).toBe(40);
    expect(body.password).toHaveLength(40);
  });

  it.each([
    [['password', '--length', '0'], /--length must be an integer from 1/],
    [['password', '--length', '-5'], /--length must be an integer from 1/],
    [['password', '--length', 'ten'], /--length must be an integer/],
    [['password', '--length'], /option '--length <n>' argument missing/],
    [['password', '--length', '3'], /length 3 is smaller than the 4 required classes/],
    [['password', '--no-symbols', '--exclude', 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'], /alphabet is empty/],
    [['password', 'extra'], /too many arguments/],
    [['password', '--symbols-off'], /unknown option/],
  ])('%j → exit 1 with one line', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(oneLine(r.stderr)).toMatch(message);
  });
});

describe('help, version and usage', () => {
  it('--version prints the package version', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
    const pkg = JSON.parse(readFileSync(new URL('../../packages/cli/package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });

  it.each([
    [[], ['token', 'password', 'apikey', 'invite', 'Exit codes']],
    [['token'], ['--hex', '--urlsafe', '--bytes', '[N]', '--json']],
    [['password'], ['--length', '--no-symbols', '--exclude', '--json']],
    [['apikey'], ['create', 'list', 'revoke', 'rotate', 'verify']],
    [['apikey', 'create'], ['--owner', '--scope', '--expires', '--remaining', '--rate-limit', '--redis', '--secret', '--prefix', '--key-prefix', '--json']],
    [['apikey', 'list'], ['--owner', '--redis', '--json']],
    [['apikey', 'revoke'], ['<id>', '--json']],
    [['apikey', 'rotate'], ['<id>', '--grace', '--json']],
    [['apikey', 'verify'], ['<key>', '--scope', '--json']],
    [['invite'], ['create', 'list', 'revoke', 'stats']],
    [['invite', 'create'], ['--by', '--role', '--max-uses', '--expires', '--email', '--json']],
    [['invite', 'list'], ['--by', '--status', '--json']],
    [['invite', 'revoke'], ['<id>', '--json']],
    [['invite', 'stats'], ['--redis', '--json']],
  ])('%j --help exits 0 and documents its options', async (argv, words) => {
    const r = await cli([...argv, '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const word of words) expect(r.stdout).toContain(word);
  });

  it('an unknown command exits 1 with one line', async () => {
    const r = await cli(['tokn']);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/unknown command 'tokn'.*Did you mean token\?/);
  });

  it('a bare group prints its help on stderr and exits 1', async () => {
    const r = await cli(['apikey']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('verify');
  });
});
