import { tokenUrlsafe } from '@tokenkit/core';

export interface ExampleConfig {
  /** Port to listen on; 0 picks a free one (tests). */
  port: number;
  host: string;
  /** Public origin for e-mailed links, from APP_URL — never from the Host header. Derived from the port when unset. */
  baseUrl: string | null;
  /** HMAC key(s) for stored credentials. */
  secret: string;
  /** Where the secret came from: a generated dev secret is printed as a notice. */
  secretSource: 'env' | 'generated';
  /** REDIS_URL: use RedisStore instead of the in-memory store. */
  redisUrl: string | null;
  /** Key prefix in Redis (default RedisStore's `tokenkit:`, which the CLI uses too); set REDIS_PREFIX to share one server between apps. */
  redisPrefix: string;
  /** DATABASE_URL (when REDIS_URL is unset): use PostgresStore, migrating its schema on start. */
  databaseUrl: string | null;
  /** TOKENKIT_SCHEMA: the PostgreSQL schema (default `tokenkit`). */
  databaseSchema: string;
  /** DEMO_PASSWORD: fixed password for the demo users (default: random, printed at start-up). */
  demoPassword: string | null;
}

function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer between 0 and 65535, got ${JSON.stringify(value)}`);
  }
  return port;
}

/** Reads the example's settings from the environment. Throws a readable error on bad values. */
export function loadConfig(env: NodeJS.ProcessEnv, defaultPort: number): ExampleConfig {
  const secret = env['TOKENKIT_SECRET'] || undefined;
  if (secret !== undefined && secret.length < 32) {
    throw new Error('TOKENKIT_SECRET must be at least 32 characters; generate one with `openssl rand -base64 32`');
  }
  return {
    port: parsePort(env['PORT'], defaultPort),
    host: env['HOST'] || 'localhost',
    baseUrl: parseAppUrl(env['APP_URL']),
    secret: secret ?? tokenUrlsafe(32),
    secretSource: secret ? 'env' : 'generated',
    redisUrl: env['REDIS_URL'] || null,
    redisPrefix: env['REDIS_PREFIX'] || 'tokenkit:',
    databaseUrl: env['DATABASE_URL'] || null,
    databaseSchema: env['TOKENKIT_SCHEMA'] || 'tokenkit',
    demoPassword: env['DEMO_PASSWORD'] || null,
  };
}

function parseAppUrl(value: string | undefined): string | null {
  if (!value) return null;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new Error(`APP_URL must be an absolute http(s) URL such as https://app.example.com, got ${JSON.stringify(value)}`);
  }
  return url.origin;
}
