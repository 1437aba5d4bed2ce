import type { Store } from '@tokenkit/core';
import { CliError, ExitCode } from './errors.js';
import { redactUrl } from './format.js';

/** Flags every store-backed command shares. */
export interface StoreFlags {
  /** `--redis`; falls back to `REDIS_URL`. */
  redis?: string;
  /** `--database-url`: a PostgreSQL URL; falls back to `DATABASE_URL` (when no Redis is given). */
  databaseUrl?: string;
  /** `--schema`: the PostgresStore schema (default `tokenkit`). */
  schema?: string;
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
    throw new CliError(
      'no store: pass --redis redis://host:6379 or set REDIS_URL (the same Redis your app uses), ' +
        'or pass --database-url postgres://user@host:5432/db or set DATABASE_URL (the same PostgreSQL)',
    );
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

/**
 * Validates a PostgreSQL URL.
 *
 * @param url - the `--database-url` / `DATABASE_URL` value
 * @returns the URL
 * @throws CliError (exit 1) when it is not `postgres://` or `postgresql://`
 */
export function checkDatabaseUrl(url: string): string {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new CliError(`--database-url must be a URL like postgres://user@host:5432/db, got ${JSON.stringify(redactUrl(url))}`);
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new CliError(`--database-url must start with postgres:// or postgresql://, got ${protocol}//`);
  }
  return url;
}

/** Which store a command opens. */
export type StoreTarget = { kind: 'redis'; url: string } | { kind: 'postgres'; url: string };

/**
 * Picks the store: `--database-url` or `--redis` when given (not both), else
 * `REDIS_URL`, else `DATABASE_URL`.
 *
 * @param flags - the store flags
 * @param env - for `REDIS_URL` and `DATABASE_URL`
 * @returns the store kind and URL
 * @throws CliError (exit 1) when none is set, both flags are, or a URL is malformed
 */
export function resolveStoreTarget(flags: Pick<StoreFlags, 'redis' | 'databaseUrl'>, env: CliEnv): StoreTarget {
  if (flags.databaseUrl !== undefined && flags.redis !== undefined) {
    throw new CliError('pass either --redis or --database-url, not both');
  }
  if (flags.databaseUrl !== undefined) return { kind: 'postgres', url: checkDatabaseUrl(flags.databaseUrl) };
  if (flags.redis === undefined && (env.REDIS_URL ?? '').trim() === '' && (env.DATABASE_URL ?? '').trim() !== '') {
    return { kind: 'postgres', url: checkDatabaseUrl(env.DATABASE_URL as string) };
  }
  return { kind: 'redis', url: resolveRedisUrl(flags.redis, env) };
}

/**
 * Opens the store the flags and environment name (Redis or PostgreSQL).
 *
 * @param flags - URLs, prefix/schema and deadline
 * @param env - for `REDIS_URL` / `DATABASE_URL`
 * @returns the store and its `close()`
 */
export function openStore(flags: StoreFlags, env: CliEnv): Promise<OpenStore> {
  const target = resolveStoreTarget(flags, env);
  return target.kind === 'postgres' ? openPostgresStore(target.url, flags) : openRedisStore(flags, env);
}

/**
 * Connects to PostgreSQL (one short-lived pool) and wraps it in a `PostgresStore`.
 *
 * @param url - the PostgreSQL URL
 * @param flags - schema and deadline
 * @param options.migrate - run `store.migrate()` after connecting
 * @returns the store and its `close()`
 * @throws CliError (exit 1) for a bad schema name, (exit 2) when PostgreSQL cannot be reached in time
 */
export async function openPostgresStore(url: string, flags: StoreFlags, options: { migrate?: boolean } = {}): Promise<OpenStore> {
  // Loaded on demand, like ioredis: only Postgres users pay for pg.
  const [pgModule, { PostgresStore }] = await Promise.all([import('pg'), import('@tokenkit/postgres')]);
  const Pool = (pgModule.default ?? pgModule).Pool;
  const pool = new Pool({
    connectionString: url,
    max: 4,
    connectionTimeoutMillis: flags.timeoutMs,
    application_name: `tokenkit-cli:${process.pid}`,
  });
  pool.on('error', () => {
    // An idle connection died; the command's own query reports the failure.
  });
  const close = async (): Promise<void> => {
    await pool.end().catch(() => {});
  };
  let store: InstanceType<typeof PostgresStore>;
  try {
    store = new PostgresStore({ pool, schema: flags.schema ?? 'tokenkit', timeout: flags.timeoutMs, sweepIntervalMs: 0 });
  } catch (err) {
    await close();
    throw new CliError(`--schema: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    if (options.migrate) await store.migrate({ timeout: flags.timeoutMs });
    else await pool.query('SELECT 1');
  } catch (err) {
    await close();
    const reason = err instanceof Error ? err.message : String(err);
    throw new CliError(`PostgreSQL unavailable at ${redactUrl(url)}: ${reason}`, ExitCode.STORE_UNAVAILABLE);
  }
  return { store, close };
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
