import { MemoryStore } from '@tokenkit/core';
import { createApp as createExpressApp } from '../../../examples/express-app/src/app.js';
import { createApp as createKoaApp } from '../../../examples/koa-app/src/app.js';
import { type StartedExample, startExample } from '../../../examples/shared/src/index.js';

/** Password of both demo users in the tests. */
export const DEMO_PASSWORD = 'demo-password-1234';

/**
 * Starts an example app in-process on a free port with a fresh memory store.
 * scrypt runs at a low cost here: the suites sign in many times and the
 * production cost would only burn the shared CPU.
 */
export function startApp(framework: 'express' | 'koa'): Promise<StartedExample> {
  const store = new MemoryStore({ sweepIntervalMs: 0 });
  return startExample({
    port: 0,
    store: { store, description: 'memory', close: () => store.close() },
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
