/**
 * The Redis suites run on ioredis 5 and, with `TOKENKIT_IOREDIS=6`, on
 * ioredis 6 (vitest.config.ts aliases `ioredis`): this proves which one the
 * run really used, so the second CI pass cannot silently test version 5 again.
 */
import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { SHARED_REDIS_URL } from './harness.js';

it(`runs on ioredis ${process.env.TOKENKIT_IOREDIS || '5'} (TOKENKIT_IOREDIS)`, async () => {
  const version: string = (await import('ioredis/package.json', { with: { type: 'json' } })).default.version;
  expect(version.split('.')[0]).toBe(process.env.TOKENKIT_IOREDIS || '5');
  // The client class the tests construct is that version's.
  const entry = createRequire(import.meta.url).resolve(version.startsWith('6.') ? 'ioredis6' : 'ioredis');
  expect((await import(entry)).Redis).toBe(Redis);
  const client = new Redis(SHARED_REDIS_URL, { lazyConnect: true });
  try {
    await client.connect();
    expect(await client.ping()).toBe('PONG');
  } finally {
    client.disconnect();
  }
});
