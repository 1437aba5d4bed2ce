import type { Store } from '@tokenkit/core';
import { CliError, ExitCode } from './errors.js';
import { redactUrl } from './format.js';

/** Flags every store-backed command shares. */
export interface StoreFlags {
  /** `--redis`; falls back to `REDIS_URL`. */
  redis?: string;
  /** `--prefix`: the Redis key prefix (must match the app's `RedisStore` prefix). */
  prefix: string;
  /** `--timeout` in ms: connect deadline and the whole command's deadline. */
  timeoutMs: number;
}

/** A connected store and the way to release it. */
export interface OpenStore {
  store: Store;
  /**
   * Releases the connection so the process can exit at once. Never throws.
   *
   * @param graceful - send QUIT first so replies in flight land (default); false drops the socket
   *   at once, for when Redis has already failed to answer
   */
  close(graceful?: boolean): Promise<void>;
}

const QUIT_GRACE_MS = 500;

/**
 * Resolves the Redis URL from `--redis` or `REDIS_URL`.
 *
 * @param flag - the `--redis` value, if given
 * @param env - for `REDIS_URL`
 * @returns the URL to connect to
 * @throws CliError (exit 1) when neither is set or the URL is not `redis://`/`rediss://`
 */
export function resolveRedisUrl(flag: string | undefined, env: CliEnv): string {
  const url = flag ?? env.REDIS_URL;
  if (url === undefined || url.trim() === '') {
    // No in-memory fallback on purpose: whatever it created would vanish when the process exits.
    throw new CliError('no store: pass --redis redis://host:6379 or set REDIS_URL (the same Redis your app uses)');
  }
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new CliError(`--redis must be a URL like redis://host:6379/0, got ${JSON.stringify(redactUrl(url))}`);
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new CliError(`--redis must start with redis:// or rediss://, got ${protocol}//`);
  }
  return url;
}

/** The environment variables the store layer reads. */
export type CliEnv = Readonly<Record<string, string | undefined>>;

/**
 * Connects to Redis and wraps it in a `RedisStore`. Fails fast instead of
 * queueing commands while offline: an ops tool must say "Redis is down" within
 * seconds, not hang.
 *
 * @param flags - URL, key prefix and deadline
 * @param env - for `REDIS_URL`
 * @returns the store and its `close()`
 * @throws CliError (exit 1) for a missing/bad URL, (exit 2) when Redis cannot be reached in time
 */
export async function openRedisStore(flags: StoreFlags, env: CliEnv): Promise<OpenStore> {
  const url = resolveRedisUrl(flags.redis, env);
  // Loaded on demand: `token` and `password` should not pay for ioredis at start-up.
  const [{ Redis }, { RedisStore, recommendedRedisOptions }] = await Promise.all([
    import('ioredis'),
    import('@tokenkit/redis'),
  ]);
  // The store's fail-fast settings (no offline queue, no replay of in-flight commands), adapted to a
  // one-shot process: connect explicitly, and one attempt only — report the outage, don't retry in the background.
  const client = new Redis(
    url,
    recommendedRedisOptions({
      lazyConnect: true,
      connectTimeout: flags.timeoutMs,
      retryStrategy: () => null,
      // Visible in CLIENT LIST, so ops (and the tests) can tell these connections apart.
      connectionName: `tokenkit-cli:${process.pid}`,
    }),
  );
  let store: Store;
  try {
    // Before connecting: a bad --prefix must not leave an open socket behind (the process would not exit).
    store = new RedisStore({ client, prefix: flags.prefix, timeout: flags.timeoutMs });
  } catch (err) {
    client.disconnect();
    throw new CliError(`--prefix: ${err instanceof Error ? err.message : String(err)}`);
  }
  let lastError: Error | undefined;
  // Without a listener ioredis prints "Unhandled error event" straight to the real stderr.
  client.on('error', (err: Error) => {
    lastError = err;
  });
  const close = async (graceful = true): Promise<void> => {
    if (client.status === 'end') return;
    if (!graceful) {
      client.disconnect();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      // QUIT lets replies still in flight (e.g. the coalesced lastUsedAt write) land first.
      await Promise.race([
        client.quit(),
        new Promise((resolve) => {
          timer = setTimeout(resolve, QUIT_GRACE_MS);
        }),
      ]);
    } catch {
      // Already closed or broken: disconnect below is enough.
    } finally {
      clearTimeout(timer);
      client.disconnect();
    }
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${flags.timeoutMs} ms`)), flags.timeoutMs);
      }),
    ]);
  } catch (err) {
    await close(false);
    const reason = lastError?.message ?? (err instanceof Error ? err.message : String(err));
    throw new CliError(`Redis unavailable at ${redactUrl(url)}: ${reason}`, ExitCode.STORE_UNAVAILABLE);
  } finally {
    clearTimeout(timer);
  }
  return { store, close };
}
