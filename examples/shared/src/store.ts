import { MemoryStore, type Store } from '@tokenkit/core';
import { RedisStore, recommendedRedisOptions } from '@tokenkit/redis';
import { Redis } from 'ioredis';

export interface OpenedStore {
  store: Store;
  /** Human-readable description for the start-up banner. */
  description: string;
  close(): Promise<void>;
}

/**
 * The in-memory store by default; RedisStore when a Redis URL is given, or
 * PostgresStore when a database URL is (and no Redis URL), so several app
 * processes share one truth.
 */
export async function openStore(options: {
  redisUrl: string | null;
  prefix: string;
  databaseUrl?: string | null;
  schema?: string;
}): Promise<OpenedStore> {
  if (!options.redisUrl && options.databaseUrl) return openPostgres(options.databaseUrl, options.schema ?? 'tokenkit');
  if (!options.redisUrl) {
    const store = new MemoryStore();
    return { store, description: 'in-memory store (state is lost on restart)', close: () => store.close() };
  }
  // Fail fast instead of queueing commands while Redis is away: tokenkit then answers 503 (fail
  // closed) and recovers by itself when Redis is back.
  const client = new Redis(options.redisUrl, recommendedRedisOptions({ lazyConnect: true }));
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(`cannot reach Redis at ${redactUrl(options.redisUrl)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  // Without a listener ioredis prints every reconnect error; one line per outage is enough.
  let down = false;
  client.on('error', (error: Error) => {
    if (!down) console.error(`redis: ${error.message} (requests answer 503 until it is back)`);
    down = true;
  });
  client.on('ready', () => {
    if (down) console.error('redis: connected again');
    down = false;
  });
  const store = new RedisStore({ client, prefix: options.prefix });
  return {
    store,
    description: `Redis at ${redactUrl(options.redisUrl)} (key prefix "${options.prefix}")`,
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** PostgresStore on its own pool; migrates the schema on start (idempotent, safe from several processes). */
async function openPostgres(url: string, schema: string): Promise<OpenedStore> {
  const [{ default: pg }, { PostgresStore }] = await Promise.all([import('pg'), import('@tokenkit/postgres')]);
  const pool = new pg.Pool({ connectionString: url });
  // An idle connection that dies (PostgreSQL restarted) is replaced on the next query; say so once.
  pool.on('error', (error: Error) => console.error(`postgres: ${error.message} (requests answer 503 until it is back)`));
  const store = new PostgresStore({ pool, schema });
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    await pool.end();
    throw new Error(`cannot migrate PostgreSQL at ${redactUrl(url)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    store,
    description: `PostgreSQL at ${redactUrl(url)} (schema "${schema}", migrated)`,
    close: async () => {
      await store.close();
      await pool.end();
    },
  };
}

/** Hides a password in a printed Redis or PostgreSQL URL. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the given URL';
  }
}
