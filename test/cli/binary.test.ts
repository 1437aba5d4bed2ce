/**
 * The built executable, as users and CI run it: `node packages/cli/dist/cli.js`,
 * the file itself through its shebang, and `pnpm exec tokenkit` from the root.
 * CI builds before testing; locally `beforeAll` builds what is missing or stale.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt } from '../helpers/built-packages.js';
import { closedPort, listKeys, redisSandbox } from './helpers.js';

const BIN = join(ROOT, 'packages/cli/dist/cli.js');
const sandbox = redisSandbox();
// A clean environment: nothing from the developer's shell (a stray REDIS_URL) may leak in.
const BASE_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

beforeAll(() => ensureBuilt(['core', 'redis', 'cli']), 180_000);

afterAll(async () => {
  await sandbox.cleanup();
  expect(await listKeys(sandbox.prefix)).toEqual([]);
});

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function tokenkit(args: string[], env: Record<string, string> = {}, input?: string): Ran {
  const started = Date.now();
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...BASE_ENV, ...env },
    encoding: 'utf8',
    timeout: 30_000,
    ...(input === undefined ? {} : { input }),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

describe('bin/tokenkit.js before a build', () => {
  it('says to run pnpm build (exit 1, no stack trace) when dist/ is missing', () => {
    // A copy of the package's launcher next to an empty dist: a fresh clone before `pnpm build`.
    const dir = mkdtempSync(join(tmpdir(), 'tokenkit-unbuilt-'));
    try {
      mkdirSync(join(dir, 'bin'));
      cpSync(join(ROOT, 'packages/cli/bin/tokenkit.js'), join(dir, 'bin/tokenkit.js'));
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      const r = spawnSync(process.execPath, [join(dir, 'bin/tokenkit.js'), '--help'], { env: BASE_ENV, encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('Run `pnpm build` in the repository root once, then `pnpm exec tokenkit --help`.');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dist/cli.js', () => {
  it('starts with a shebang and is executable by itself', () => {
    expect(readFileSync(BIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(statSync(BIN).mode & 0o111).not.toBe(0);
    const r = spawnSync(BIN, ['token', '--hex', '16'], { env: BASE_ENV, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{32}\n$/);
  });

  it('runs through `pnpm exec tokenkit` from the workspace root', () => {
    const r = spawnSync('pnpm', ['exec', 'tokenkit', 'password', '--length', '24', '--no-symbols'], {
      cwd: ROOT,
      env: BASE_ENV,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^[A-Za-z0-9]{24}\n$/);
  });

  it('token --bytes writes raw bytes to a pipe', () => {
    const r = spawnSync(process.execPath, [BIN, 'token', '--bytes', '32'], { env: BASE_ENV });
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBe(32);
    expect(r.stderr.length).toBe(0);
  });

  it('exits 0 quietly when the reader closes the pipe early (EPIPE)', () => {
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" token --bytes 1048576 | head -c 4 >/dev/null`], {
      env: BASE_ENV,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('bad input exits 1 with one line on stderr and no stack trace', () => {
    for (const args of [['token', '-1'], ['token', '--nope'], ['password', '--length', 'x'], ['apikey', 'create']]) {
      const r = tokenkit(args);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^tokenkit: [^\n]+\n$/);
    }
  });

  it('missing REDIS_URL and missing secret exit 1', () => {
    const noRedis = tokenkit(['apikey', 'list', '--owner', 'u'], { TOKENKIT_SECRET: 'z'.repeat(40) });
    expect(noRedis.status).toBe(1);
    expect(noRedis.stderr).toMatch(/^tokenkit: no store: [^\n]+\n$/);
    const noSecret = tokenkit(['apikey', 'create', '--owner', 'u'], sandbox.env.REDIS_URL ? { REDIS_URL: sandbox.env.REDIS_URL } : {});
    expect(noSecret.status).toBe(1);
    expect(noSecret.stderr).toMatch(/^tokenkit: no secret: [^\n]+\n$/);
  });

  it('Redis unreachable exits 2 within a few seconds', async () => {
    const port = await closedPort();
    const r = tokenkit(['invite', 'stats', '--redis', `redis://127.0.0.1:${port}`], { TOKENKIT_SECRET: 'z'.repeat(40) });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^tokenkit: Redis unavailable at redis:\/\/127\.0\.0\.1:\d+[^\n]*ECONNREFUSED[^\n]*\n$/);
    expect(r.ms).toBeLessThan(5000);
  });

  it('create → verify (stdin) → revoke → verify exits 3, and every run exits promptly', () => {
    const flags = ['--prefix', sandbox.prefix];
    const created = tokenkit(['apikey', 'create', '--owner', 'bin-owner', '--scope', 'read', '--json', ...flags], sandbox.env);
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const { key, apiKey } = JSON.parse(created.stdout) as { key: string; apiKey: { id: string } };

    const ok = tokenkit(['apikey', 'verify', '-', '--scope', 'read', ...flags], sandbox.env, `${key}\n`);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^valid\n/);

    expect(tokenkit(['apikey', 'revoke', apiKey.id, ...flags], sandbox.env).status).toBe(0);
    const rejected = tokenkit(['apikey', 'verify', key, ...flags], sandbox.env);
    expect(rejected.status).toBe(3);
    expect(rejected.stderr).toBe('tokenkit: key rejected: REVOKED\n');
    // An open Redis connection would keep node alive until the spawn timeout (30 s); the bound is loose
    // because node start-up alone is slow on a busy 2-core machine.
    for (const r of [created, ok, rejected]) expect(r.ms).toBeLessThan(10_000);

    // The coalesced lastUsedAt write of `verify` landed before the connection closed.
    const listed = tokenkit(['apikey', 'list', '--owner', 'bin-owner', '--json', ...flags], sandbox.env);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ id: apiKey.id, lastUsedAt: expect.any(Number) }]);
  });
});
