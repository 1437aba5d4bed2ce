// The soak's Node child processes — 3 app servers and the load generator —
// started with fork() (IPC for readiness and commands), logged to files,
// stopped by PID. Every child also exits on its own when the runner's IPC
// channel closes, so a SIGKILLed runner leaves nothing behind.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './paths.mjs';

const APP = join(ROOT, 'test/soak/app.mjs');
const LOADGEN = join(ROOT, 'test/soak/loadgen.mjs');

/** Every child still running, for the runner's cleanup on errors and signals. */
export const children = new Set();

/** @returns {Promise<number>} a loopback port that was free a moment ago */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function spawnChild(script, args, logFile, execArgv = []) {
  const fd = openSync(logFile, 'a');
  const child = fork(script, args, { stdio: ['ignore', fd, fd, 'ipc'], execArgv });
  closeSync(fd);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGKILLs a child by PID and waits for its exit. */
export async function killChild(child, signal = 'SIGKILL') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** Three app servers sharing one Redis (standalone or Cluster). */
export class Fleet {
  /**
   * @param {object} options
   * @param {string} options.dir - log directory
   * @param {object} [options.redis] - { mode: 'single', url } | { mode: 'cluster', nodes }
   * @param {object} [options.postgres] - { url, schema }: a PostgresStore instead of Redis
   * @param {string} options.prefix
   * @param {string} options.secret
   * @param {string} options.adminToken
   * @param {number} options.storeTimeoutMs
   * @param {object} [options.waitForReplicas]
   */
  constructor(options) {
    this.options = options;
    /** @type {Array<{name: string, port: number, url: string, child: import('node:child_process').ChildProcess | null, expectedExit: boolean}>} */
    this.apps = [];
    /** Unexpected exits ("app-2 exited with code 70"). */
    this.crashes = [];
  }

  async start(count = 3) {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      this.apps.push({ name: `app-${i + 1}`, port, url: `http://127.0.0.1:${port}`, child: null, expectedExit: false });
    }
    await Promise.all(this.apps.map((_, i) => this.launch(i)));
  }

  async launch(index) {
    const app = this.apps[index];
    const { dir, redis, postgres, prefix, secret, adminToken, storeTimeoutMs, waitForReplicas } = this.options;
    const config = { name: app.name, port: app.port, redis, postgres, prefix, secret, adminToken, storeTimeoutMs, waitForReplicas };
    const child = spawnChild(APP, [JSON.stringify(config)], join(dir, `${app.name}.log`), ['--expose-gc']);
    app.child = child;
    app.expectedExit = false;
    child.once('exit', (code, signal) => {
      if (!app.expectedExit) this.crashes.push(`${app.name} exited unexpectedly (code ${code}, signal ${signal}), see ${app.name}.log`);
    });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${app.name} did not start within 20 s (see ${app.name}.log)`)), 20_000);
      child.once('message', (msg) => {
        clearTimeout(timer);
        if (msg?.ready) resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${app.name} exited with code ${code} while starting (see ${app.name}.log)`));
      });
    });
  }

  /** Crashes app `index` on purpose (SIGKILL). */
  async kill(index) {
    const app = this.apps[index];
    app.expectedExit = true;
    await killChild(app.child);
  }

  async restart(index) {
    await this.launch(index);
  }

  /** @returns {Promise<{rss: number, heapUsed: number, pid: number}>} after a full GC in the app */
  memory(index) {
    const app = this.apps[index];
    return getJson(`${app.url}/admin/mem`, { 'x-admin-token': this.options.adminToken });
  }

  async stop() {
    await Promise.all(
      this.apps.map(async (app) => {
        if (!app.child) return;
        app.expectedExit = true;
        const timer = setTimeout(() => app.child.kill('SIGKILL'), 3000);
        await killChild(app.child, 'SIGTERM');
        clearTimeout(timer);
      }),
    );
  }
}

/** The load generator process. */
export class LoadGenerator {
  constructor({ dir, servers, adminToken }) {
    this.child = spawnChild(LOADGEN, [JSON.stringify({ servers, adminToken, outDir: dir })], join(dir, 'loadgen.log'));
    this.waiters = [];
    this.refs = 0;
    this.exited = once(this.child, 'exit');
    this.child.on('message', (msg) => {
      for (const waiter of [...this.waiters]) {
        if (waiter.match(msg)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(msg);
        }
      }
    });
    this.child.once('exit', (code) => {
      for (const waiter of this.waiters) waiter.reject(new Error(`load generator exited with code ${code} (see loadgen.log)`));
      this.waiters = [];
    });
  }

  next(match, timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('load generator did not answer in time (see loadgen.log)')), timeoutMs);
      this.waiters.push({
        match,
        resolve: (msg) => {
          clearTimeout(timer);
          resolve(msg);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
  }

  seeded() {
    return this.next((m) => m.seeded, 60_000);
  }

  /** Re-checks everything acknowledged before `before`. */
  async sweep(label, before) {
    const reply = this.next((m) => m.sweep?.label === label, 120_000);
    this.child.send({ cmd: 'sweep', label, before });
    return (await reply).sweep;
  }

  /**
   * How long after `fault` verifications and issuing were back to normal in the requests answered so
   * far (null: not yet seen).
   */
  async recovery(fault) {
    const ref = ++this.refs;
    const reply = this.next((m) => m.recovery?.ref === ref, 30_000);
    this.child.send({ cmd: 'recovery', ref, fault });
    return (await reply).recovery;
  }

  /** Stops the load, runs the final sweep, writes ledger.jsonl and items.json. */
  async stop() {
    const reply = this.next((m) => m.done, 180_000);
    this.child.send({ cmd: 'stop' });
    const { done } = await reply;
    await this.exited;
    return done;
  }
}

/** GET → parsed JSON (5 s timeout). */
export function getJson(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${url} answered ${res.statusCode}`));
        try {
          resolve(JSON.parse(text));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}
