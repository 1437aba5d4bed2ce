import { randomUUID } from 'node:crypto';
import { MemoryStore } from '@tokenkit/core';
import { Redis } from 'ioredis';
import { createApp as createExpressApp } from '../../../examples/express-app/src/app.js';
import { createApp as createKoaApp } from '../../../examples/koa-app/src/app.js';
import { type OpenedStore, openStore, type StartedExample, startExample } from '../../../examples/shared/src/index.js';

/** Password of both demo users in the tests. */
export const DEMO_PASSWORD = 'demo-password-1234';

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export type StoreKind = 'memory' | 'redis';

/**
 * A fresh store: memory, or the shared Redis under a prefix of its own that
 * is deleted again on close (never FLUSHALL: other suites use the server).
 */
async function freshStore(kind: StoreKind): Promise<OpenedStore> {
  if (kind === 'memory') {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    return { store, description: 'memory', close: () => store.close() };
  }
  const prefix = `tokenkit-e2e-${randomUUID().slice(0, 8)}:`;
  const opened = await openStore({ redisUrl: REDIS_URL, prefix });
  return {
    ...opened,
    async close() {
      await opened.close();
      const admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await admin.connect();
      try {
        let cursor = '0';
        do {
          const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          if (keys.length > 0) await admin.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        admin.disconnect();
      }
    },
  };
}

/**
 * Starts an example app in-process on a free port. scrypt runs at a low cost
 * here: the suites sign in many times and the production cost would only
 * burn the shared CPU.
 */
export async function startApp(framework: 'express' | 'koa', kind: StoreKind = 'memory'): Promise<StartedExample> {
  return startExample({
    port: 0,
    store: await freshStore(kind),
    secret: 'e2e-secret-that-is-long-enough-0123456789',
    demoPassword: DEMO_PASSWORD,
    scryptCost: { logN: 10, r: 8, p: 1 },
    createHandler: framework === 'express' ? createExpressApp : (app) => createKoaApp(app).callback(),
  });
}

/** Waits until `read()` returns something truthy (e-mails are sent off the response path). */
export async function eventually<T>(read: () => T | undefined | null | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
