/**
 * Drives the CLI in-process through `run()` with captured output, and gives
 * each test file its own Redis key prefix on the shared server (cleaned up
 * key by key — never FLUSHALL).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { RedisStore, recommendedRedisOptions } from '@tokenkit/redis';
import { Redis } from 'ioredis';
import { type CliIo, run } from '../../packages/cli/src/index.js';

/** The shared test Redis. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A valid 43-character hashing secret, fixed so separate runs agree. */
export const SECRET = 'cli-test-secret-0123456789abcdefghijklmnopqrstuv';

/** What one CLI invocation produced. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Everything written to stdout, as bytes (for `token --bytes`). */
  bytes: Buffer;
}

/**
 * Runs `tokenkit <argv>` in-process.
 *
 * @param argv - arguments after the program name
 * @param env - the whole environment the CLI sees (nothing leaks in from the test process)
 * @param extra - stdin contents and the TTY flag
 */
export async function cli(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
  extra: { stdin?: string; stdoutIsTTY?: boolean } = {},
): Promise<CliResult> {
  const out: Buffer[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (chunk) => {
      out.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    },
    stderr: (text) => {
      err.push(text);
    },
    env,
    stdoutIsTTY: extra.stdoutIsTTY ?? false,
    readStdin: async () => extra.stdin ?? '',
  };
  const code = await run(argv, io);
  const bytes = Buffer.concat(out);
  return { code, stdout: bytes.toString('utf8'), stderr: err.join(''), bytes };
}

/**
 * A fresh key prefix on the shared Redis, plus the environment and flags that use it.
 *
 * @returns the prefix, an env with `REDIS_URL` + `TOKENKIT_SECRET`, the `--prefix` flag pair, and `cleanup()`
 */
export function redisSandbox(): { prefix: string; env: Record<string, string>; flags: string[]; cleanup(): Promise<number> } {
  const prefix = `tokenkit-cli-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
  return {
    prefix,
    env: { REDIS_URL, TOKENKIT_SECRET: SECRET },
    flags: ['--prefix', prefix],
    cleanup: () => deleteKeys(prefix),
  };
}

/**
 * @param prefix - a sandbox prefix (only `[\w:-]`, so no glob characters)
 * @returns the keys under the prefix
 */
export async function listKeys(prefix: string): Promise<string[]> {
  const client = new Redis(REDIS_URL);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  } finally {
    client.disconnect();
  }
}

async function deleteKeys(prefix: string): Promise<number> {
  const keys = await listKeys(prefix);
  if (keys.length === 0) return 0;
  const client = new Redis(REDIS_URL);
  try {
    return await client.del(...keys);
  } finally {
    client.disconnect();
  }
}

/**
 * @returns a loopback port nobody listens on (bound then released)
 */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Asserts the shape every failure must have: exactly one line on stderr, no stack trace.
 *
 * @param stderr - captured stderr
 * @returns the line without the trailing newline
 */
export function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.length > 0);
  if (lines.length !== 1) throw new Error(`expected one stderr line, got ${lines.length}:\n${stderr}`);
  const line = lines[0]!;
  if (/\n\s+at /.test(stderr) || !line.startsWith('tokenkit: ')) throw new Error(`not a one-line tokenkit message: ${stderr}`);
  return line;
}

/**
 * The store an app would use on the same sandbox: proves the CLI writes what the library reads.
 *
 * @param prefix - the sandbox prefix
 * @returns a connected `RedisStore` and a `close()`
 */
export async function appStore(prefix: string): Promise<{ store: RedisStore; close(): void }> {
  const client = new Redis(REDIS_URL, recommendedRedisOptions({ lazyConnect: true }));
  // The fail-fast options reject commands until the connection is ready.
  await client.connect();
  return { store: new RedisStore({ client, prefix }), close: () => client.disconnect() };
}
