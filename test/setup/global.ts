/**
 * Vitest global setup: checks what the selected test files need from the
 * machine, once, before any test runs.
 *
 * - Redis: when nothing answers at `REDIS_URL` (default 127.0.0.1:6379), a
 *   private `redis-server` from PATH is started on a free port for this run
 *   and `REDIS_URL` points the tests at it (stopped again at the end).
 * - Programs: when `redis-server`/`redis-cli` or Chromium (`CHROMIUM_PATH`,
 *   default `/usr/bin/chromium`) is missing, the run stops here with one
 *   message that gives the install command — instead of dozens of
 *   `ECONNREFUSED` failures.
 *
 * Each need is one entry of {@link REQUIREMENTS}: which test files need it and
 * how to check (and possibly provide) it. A new service (e.g. Postgres for a
 * store package) is one more entry there.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { relative } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { ROOT } from '../helpers/built-packages.js';
import { RedisServer } from '../helpers/redis-server.js';

const execFileAsync = promisify(execFile);

/** One thing some test files need from the machine. */
interface Requirement {
  /** Short name for the message, e.g. `redis-server`. */
  name: string;
  /** Test files (paths relative to the repository root, `/`-separated) that need it. */
  neededBy: RegExp;
  /**
   * Checks (and may provide) it.
   *
   * @returns `null` when satisfied, else what is missing and how to install it
   */
  check(): Promise<Missing | null>;
  /** Undoes what `check` started (called after the run). */
  teardown?(): Promise<void>;
}

/** What a requirement lacks, and the packages that provide it. */
interface Missing {
  /** e.g. `redis-server not found on PATH`. */
  problem: string;
  /** Debian/Ubuntu package(s), e.g. `redis-server`. */
  apt: string;
  /** Homebrew formula, when there is one. */
  brew?: string;
  /** What to do elsewhere (or in addition). */
  otherwise: string;
}

const linux = process.platform === 'linux';
const debian = linux && existsSync('/etc/debian_version');
const sudo = typeof process.getuid === 'function' && process.getuid() !== 0 ? 'sudo ' : '';

/** The install command(s) for this machine, e.g. `sudo apt-get install -y redis-server chromium`. */
function installCommands(missing: readonly Missing[]): string[] {
  const unique = (values: Array<string | undefined>) => [...new Set(values.filter((v): v is string => v !== undefined))];
  if (debian) {
    const rest = unique(missing.map((m) => (m.apt === '' ? m.otherwise : undefined)));
    return [`${sudo}apt-get update && ${sudo}apt-get install -y ${unique(missing.map((m) => m.apt || undefined)).join(' ')}`, ...rest];
  }
  if (process.platform === 'darwin') {
    const brew = unique(missing.map((m) => m.brew));
    return [...(brew.length > 0 ? [`brew install ${brew.join(' ')}`] : []), ...unique(missing.map((m) => (m.brew ? undefined : m.otherwise)))];
  }
  return unique(missing.map((m) => m.otherwise));
}

async function onPath(program: string): Promise<boolean> {
  try {
    await execFileAsync(program, ['--version'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

const REDIS_PACKAGES = {
  apt: 'redis-server', // brings redis-cli (redis-tools) along
  brew: 'redis',
  otherwise: 'install Redis (https://redis.io/docs/latest/operate/oss_and_stack/install/) so that redis-server and redis-cli are on PATH',
};

let privateRedis: RedisServer | undefined;

/**
 * Everything the suites need from the machine. A new service is one more entry, e.g. for a
 * Postgres store package:
 *
 * ```ts
 * {
 *   name: 'Postgres',
 *   neededBy: /^(test\/postgres\/|packages\/postgres\/)/,
 *   async check() {
 *     if (await pgAnswers(process.env.DATABASE_URL)) return null; // or start a private server, as Redis does
 *     return { problem: 'nothing answers at DATABASE_URL', apt: 'postgresql', brew: 'postgresql', otherwise: '…' };
 *   },
 * }
 * ```
 */
const REQUIREMENTS: Requirement[] = [
  {
    // The Cluster, fault and replica suites start their own servers; `redis-cli --cluster create` joins clusters.
    name: 'redis-server and redis-cli',
    neededBy: /^test\/(redis|helpers)\//,
    async check() {
      const missing = [];
      for (const program of ['redis-server', 'redis-cli']) if (!(await onPath(program))) missing.push(program);
      return missing.length === 0 ? null : { problem: `${missing.join(' and ')} not found on PATH`, ...REDIS_PACKAGES };
    },
  },
  {
    name: 'Redis',
    neededBy: /^(test\/(redis|cli|e2e|helpers)\/|packages\/redis\/)/,
    async check() {
      const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
      if (await answers(url)) return null;
      if (!(await onPath('redis-server'))) {
        return {
          problem: `nothing answers at ${url} (REDIS_URL) and there is no redis-server on PATH to start a private one`,
          ...REDIS_PACKAGES,
        };
      }
      privateRedis = await RedisServer.start();
      process.env.REDIS_URL = privateRedis.url;
      console.log(`tokenkit tests: nothing answers at ${url}; started a private redis-server at ${privateRedis.url} for this run`);
      return null;
    },
    async teardown() {
      await privateRedis?.dispose();
      privateRedis = undefined;
    },
  },
  {
    name: 'Chromium',
    neededBy: /^test\/e2e\/.*browser/,
    async check() {
      const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
      try {
        accessSync(path, constants.X_OK);
        return null;
      } catch {
        return {
          problem: `no Chromium executable at ${path} (set CHROMIUM_PATH to use another Chromium or Chrome)`,
          apt: 'chromium',
          otherwise:
            'install Chromium or Chrome and set CHROMIUM_PATH to its executable, e.g. CHROMIUM_PATH="/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"',
        };
      }
    },
  },
];

let active: Requirement[] = [];

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The CLI's file filters (`pnpm test test/redis`); not in Vitest's typed API, so read defensively (absent: every file).
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  const { testFiles } = await project.globTestFiles(Array.isArray(filters) ? filters : undefined);
  const files = testFiles.map((file) => relative(ROOT, file).split('\\').join('/'));
  active = REQUIREMENTS.filter((requirement) => files.some((file) => requirement.neededBy.test(file)));
  const missing: Array<Missing & { name: string; files: number }> = [];
  for (const requirement of active) {
    const lack = await requirement.check();
    if (lack) missing.push({ ...lack, name: requirement.name, files: files.filter((f) => requirement.neededBy.test(f)).length });
  }
  if (missing.length > 0) {
    await teardown();
    // One message, then stop: no test runs, so no pile of ECONNREFUSED failures.
    console.error(
      [
        '',
        'tokenkit tests: the selected test files need programs this machine does not have.',
        ...missing.map((m) => `  - ${m.name} (${m.files} test file${m.files === 1 ? '' : 's'}): ${m.problem}`),
        '',
        'Install:',
        ...installCommands(missing).map((command) => `  ${command}`),
        '',
        'then run `pnpm test` again, or run the suites that need none of them, e.g. `pnpm test packages/core test/adapters`.',
        '',
      ].join('\n'),
    );
    process.exit(1);
  }
  return teardown;
}

async function teardown(): Promise<void> {
  for (const requirement of active) await requirement.teardown?.();
}
