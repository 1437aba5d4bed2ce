/**
 * The global setup as a new user meets it: a nested `vitest run` of one Redis
 * suite (and the browser suite) on a machine where nothing answers at
 * REDIS_URL — once without redis-server/Chromium (one message with the
 * install command, no test runs, no ECONNREFUSED), once with redis-server on
 * PATH (a private server is started and the suite passes).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/built-packages.js';
import { closedPort } from '../cli/helpers.js';

const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
/** A PATH with node only: no redis-server, no redis-cli. */
const bare = mkdtempSync(join(tmpdir(), 'tokenkit-bare-path-'));
symlinkSync(process.execPath, join(bare, 'node'));

afterAll(() => rmSync(bare, { recursive: true, force: true }));

function nestedRun(files: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [VITEST, 'run', '--reporter=default', ...files], {
    cwd: ROOT,
    env: { HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

describe('pnpm test on a machine without Redis', () => {
  it('without redis-server and Chromium: one message with the install command, and no test runs', async () => {
    const r = nestedRun(['test/redis/hash-compare.test.ts', 'test/e2e/express-browser.test.ts'], {
      PATH: bare,
      REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
      CHROMIUM_PATH: join(bare, 'no-chromium'),
    });
    expect(r.status).toBe(1);
    expect(r.output).toContain('the selected test files need programs this machine does not have');
    expect(r.output).toMatch(/Redis \(\d+ test files?\): nothing answers at redis:\/\/127\.0\.0\.1:\d+ \(REDIS_URL\)/);
    expect(r.output).toMatch(/Chromium \(1 test file\): no Chromium executable at .*no-chromium \(set CHROMIUM_PATH/);
    expect(r.output).toMatch(/apt-get install -y redis-server chromium|brew install redis|install Redis/);
    expect(r.output).not.toContain('ECONNREFUSED');
    expect(r.output).not.toMatch(/Test Files|✓|×/);
  }, 120_000);

  it('with redis-server on PATH: starts a private one for the run and the Redis suite passes', async () => {
    const r = nestedRun(['test/redis/hash-compare.test.ts'], {
      PATH: process.env.PATH ?? '',
      REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
    });
    expect(r.output).toMatch(/started a private redis-server at redis:\/\/127\.0\.0\.1:\d+ for this run/);
    expect(r.output).toMatch(/Tests\s+\d+ passed/);
    expect(r.status).toBe(0);
  }, 120_000);
});
