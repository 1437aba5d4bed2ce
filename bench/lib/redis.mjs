// Redis for the benchmarks. By default a PRIVATE redis-server on a free
// loopback port, started here and stopped by its PID: the shared server on
// 6379 stays clean (no million-key fills there), and `INFO commandstats`
// counts only our commands. Without the redis-server binary, falls back to
// the server at REDIS_URL / 127.0.0.1:6379 under a unique key prefix, and
// deletes only those keys afterwards.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { loadDependency } from './packages.mjs';

/** @returns {Promise<number>} a loopback port that was free a moment ago */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** @returns {Promise<typeof import('ioredis').default>} */
export async function ioredis() {
  const mod = await loadDependency('ioredis');
  return mod.default ?? mod.Redis;
}

/**
 * @param {string} host
 * @param {number} port
 * @param {number} timeoutMs
 */
async function waitForPing(host, port, timeoutMs) {
  const Redis = await ioredis();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return true;
    } catch {
      client.disconnect();
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Starts a private redis-server (no persistence) on a free port.
 * @returns {Promise<{host: string, port: number, private: true, pid: number, stop: () => Promise<void>}>}
 */
export async function startPrivateRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(os.tmpdir(), 'tokenkit-bench-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', 'noeviction'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // Never leave the server behind, even when this process dies on an uncaught error.
  const killOnExit = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  exited.then(() => process.off('exit', killOnExit));
  const up = await Promise.race([waitForPing('127.0.0.1', port, 10_000), exited.then(() => false)]);
  if (!up) {
    child.kill('SIGKILL');
    throw new Error(`private redis-server did not start on port ${port}: ${stderr.trim()}`);
  }
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { host: '127.0.0.1', port, private: true, pid: child.pid, stop };
}

/** @returns {boolean} whether a redis-server binary is on PATH */
export function hasRedisServerBinary() {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, 'redis-server')));
}

/**
 * The Redis the benchmarks use: private when possible, else the shared one.
 * @returns {Promise<{host: string, port: number, private: boolean, pid?: number, stop: () => Promise<void>}>}
 */
export async function acquireRedis() {
  if (hasRedisServerBinary() && !process.env.BENCH_SHARED_REDIS) return startPrivateRedis();
  const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const host = url.hostname;
  const port = Number(url.port || 6379);
  if (!(await waitForPing(host, port, 2000))) throw new Error(`no redis-server binary and no Redis at ${host}:${port}`);
  return { host, port, private: false, stop: async () => {} };
}

/** @returns {string} a key prefix no other run uses */
export function uniquePrefix() {
  return `tokenkit-bench:${process.pid}-${randomBytes(4).toString('hex')}:`;
}

/**
 * Deletes every key under `prefix` (SCAN + UNLINK; never FLUSHALL: the server may be shared).
 * @param {import('ioredis').default} client
 * @param {string} prefix
 */
export async function deletePrefix(client, prefix) {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}

/**
 * Parses `INFO commandstats`: calls and server CPU time (µs) per command.
 * Redis counts commands a Lua script runs (`redis.call`) here too, under
 * their own names, next to the EVALSHA that ran the script.
 * @param {import('ioredis').default} client
 * @returns {Promise<Record<string, {calls: number, usec: number}>>}
 */
export async function commandStats(client) {
  const text = await client.info('commandstats');
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (m) out[m[1]] = { calls: Number(m[2]), usec: Number(m[3]) };
  }
  return out;
}

/**
 * @param {Record<string, {calls: number, usec: number}>} before
 * @param {Record<string, {calls: number, usec: number}>} after
 * @returns {Record<string, {calls: number, usec: number}>} commands whose count changed, and by how much
 *   (`info`, our own probe, is left out)
 */
export function statsDelta(before, after) {
  const out = {};
  for (const [cmd, now] of Object.entries(after)) {
    if (cmd === 'info') continue;
    const calls = now.calls - (before[cmd]?.calls ?? 0);
    if (calls > 0) out[cmd] = { calls, usec: now.usec - (before[cmd]?.usec ?? 0) };
  }
  return out;
}

/** Commands that run a script: each is one round trip however many commands the script runs. */
export const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/**
 * @param {import('ioredis').default} client
 * @returns {Promise<string | undefined>}
 */
export async function serverVersion(client) {
  const text = await client.info('server');
  return /redis_version:(\S+)/.exec(text)?.[1];
}
