/**
 * `pnpm start` / `pnpm start:koa` as a user runs them: the example's start
 * script (tsx + tsconfig paths to the workspace sources, no build) in a child
 * process — banner, a working demo key, clean shutdown on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_URL } from '../postgres/harness.js';
import { REDIS_URL } from './helpers/start.js';

const children: ChildProcess[] = [];

afterEach(() => {
  // A failed test must not leave a server behind: end our own process group.
  for (const child of children.splice(0)) if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
});

function runExample(name: 'express-app' | 'koa-app', env: Record<string, string>) {
  const cwd = fileURLToPath(new URL(`../../examples/${name}/`, import.meta.url));
  // What `pnpm start` runs (the package's start script), without pnpm's own process in between.
  const child = spawn(`${cwd}node_modules/.bin/tsx`, ['src/main.ts'], {
    cwd,
    // Blank out settings the surrounding environment (CI, vitest) may carry.
    env: { ...process.env, PORT: '0', TOKENKIT_SECRET: '', REDIS_URL: '', DATABASE_URL: '', APP_URL: '', DEMO_PASSWORD: '', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner after 40 s:\n${output}`)), 40_000);
    child.stdout!.on('data', () => {
      if (/pid: \d+ \(Ctrl\+C or kill \d+ to stop\)\n/.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    });
    child.on('exit', () => reject(new Error(`exited early:\n${output}`)));
  });
  return { child, ready, exited, output: () => output };
}

async function checkBanner(banner: string): Promise<void> {
  const url = /running at (http:\/\/localhost:\d+)/.exec(banner)?.[1];
  const key = /Bearer (sk_[0-9A-Za-z]+)/.exec(banner)?.[1];
  expect(url).toBeDefined();
  expect(key).toBeDefined();
  expect(banner).toMatch(/member {2}alice@example\.com {2}password \S+/);
  expect(banner).toMatch(/admin {3}admin@example\.com {2}password \S+/);
  expect(banner).toContain(`curl -H "Authorization: Bearer ${key}" ${url}/api/me`);
  const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${key}` } });
  expect(me.status).toBe(200);
  expect(await me.json()).toMatchObject({ user: { email: 'alice@example.com' } });
  const page = await fetch(`${url}/signin`);
  expect(page.status).toBe(200);
}

describe('start scripts', () => {
  it('pnpm start: Express on the memory store, generated dev secret, graceful SIGTERM', async () => {
    const run = runExample('express-app', {});
    const banner = await run.ready;
    expect(banner).toContain('tokenkit Express example running at');
    expect(banner).toContain('in-memory store');
    expect(banner).toContain('TOKENKIT_SECRET not set');
    await checkBanner(banner);
    process.kill(run.child.pid!, 'SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('SIGTERM: shutting down');
  });

  it('pnpm start:koa with REDIS_URL: Koa on RedisStore', async () => {
    const prefix = `tokenkit-e2e-start-${randomUUID().slice(0, 8)}:`;
    const run = runExample('koa-app', { REDIS_URL, REDIS_PREFIX: prefix, TOKENKIT_SECRET: 'a-start-script-test-secret-0123456789' });
    try {
      const banner = await run.ready;
      expect(banner).toContain('tokenkit Koa example running at');
      expect(banner).toContain(`Redis at ${REDIS_URL}`);
      expect(banner).not.toContain('TOKENKIT_SECRET not set');
      await checkBanner(banner);
      process.kill(run.child.pid!, 'SIGINT');
      expect(await run.exited).toBe(0);
    } finally {
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });

  it.each([
    ['express-app', 'Express'],
    ['koa-app', 'Koa'],
  ] as const)('DATABASE_URL=… pnpm start (%s): on PostgresStore, schema migrated on start', async (name, framework) => {
    const schema = `tktest_start_${randomUUID().slice(0, 8)}`;
    const run = runExample(name, { DATABASE_URL, TOKENKIT_SCHEMA: schema, TOKENKIT_SECRET: 'a-start-script-test-secret-0123456789' });
    try {
      const banner = await run.ready;
      expect(banner).toContain(`tokenkit ${framework} example running at`);
      expect(banner).toContain(`PostgreSQL at ${DATABASE_URL}`);
      expect(banner).toContain(`schema "${schema}", migrated`);
      await checkBanner(banner);
      process.kill(run.child.pid!, 'SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  });

  it('refuses a bad PORT with a one-line message', async () => {
    const run = runExample('express-app', { PORT: 'eighty' });
    await expect(run.ready).rejects.toThrow(/PORT must be an integer/);
    expect(await run.exited).toBe(1);
  });
});
