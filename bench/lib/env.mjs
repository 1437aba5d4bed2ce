// Machine details recorded next to every result: numbers mean little without them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { ROOT } from './packages.mjs';

/**
 * @param {string} cmd
 * @param {string[]} args
 */
function tryRun(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return undefined;
  }
}

/** @param {string} name - dependency installed at the root */
function depVersion(name) {
  try {
    return JSON.parse(readFileSync(`${ROOT}/node_modules/${name}/package.json`, 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** @returns {Record<string, string | number | undefined>} */
export function machine() {
  const cpuModel = (() => {
    try {
      const line = readFileSync('/proc/cpuinfo', 'utf8')
        .split('\n')
        .find((l) => l.startsWith('model name'));
      return line ? line.split(':')[1].trim() : os.cpus()[0]?.model;
    } catch {
      return os.cpus()[0]?.model;
    }
  })();
  const python = tryRun('python3', ['--version']);
  return {
    date: new Date().toISOString(),
    nproc: Number(tryRun('nproc', []) ?? os.availableParallelism()),
    cpuModel,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redisServer: tryRun('redis-server', ['--version'])?.match(/v=(\S+)/)?.[1],
    python: python?.replace(/^Python /, ''),
    express4: depVersion('express4'),
    express5: depVersion('express5'),
    koa2: depVersion('koa2'),
    koa3: depVersion('koa3'),
    ioredis: depVersion('ioredis'),
    autocannon: depVersion('autocannon'),
    loadAverage: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    gitCommit: tryRun('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
  };
}
