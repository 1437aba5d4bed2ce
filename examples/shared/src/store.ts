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
 * The in-memory store by default; RedisStore when a Redis URL is given, so
 * several app processes share one truth.
 */
export async function openStore(options: { redisUrl: string | null; prefix: string }): Promise<OpenedStore> {
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

/** Hides a password in a printed Redis URL. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the given REDIS_URL';
  }
}
