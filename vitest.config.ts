import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, entry = 'index.ts') => fileURLToPath(new URL(`./packages/${pkg}/src/${entry}`, import.meta.url));

/**
 * `TOKENKIT_IOREDIS=6` runs the suites on ioredis 6 (the `ioredis6` dev
 * dependency, an npm alias) instead of ioredis 5: every `ioredis` import of
 * the tests and of the package sources resolves to it. CI runs the Redis
 * suites once in each mode.
 */
const ioredisMajor = process.env.TOKENKIT_IOREDIS || '5';
if (ioredisMajor !== '5' && ioredisMajor !== '6') {
  throw new Error(`TOKENKIT_IOREDIS must be 5 or 6, got ${JSON.stringify(ioredisMajor)}`);
}
const ioredis6 = fileURLToPath(new URL('./node_modules/ioredis6', import.meta.url));

export default defineConfig({
  resolve: {
    // Exact matches: `@tokenkit/core/http` and `/testing` are entries of their own, not paths under `@tokenkit/core`.
    alias: [
      { find: /^@tokenkit\/core$/, replacement: src('core') },
      { find: /^@tokenkit\/core\/http$/, replacement: src('core', 'http/index.ts') },
      { find: /^@tokenkit\/core\/testing$/, replacement: src('core', 'testing/index.ts') },
      { find: /^@tokenkit\/postgres$/, replacement: src('postgres') },
      { find: /^@tokenkit\/redis$/, replacement: src('redis') },
      { find: /^@tokenkit\/express$/, replacement: src('express') },
      { find: /^@tokenkit\/koa$/, replacement: src('koa') },
      // `ioredis` and its subpaths (`ioredis/package.json`), not `ioredis6` itself.
      ...(ioredisMajor === '6' ? [{ find: /^ioredis(?=$|\/)/, replacement: ioredis6 }] : []),
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'test/soak/**'],
    // Checks the machine once, up front: starts a private redis-server when none answers and stops the run
    // with the install command when redis-server or Chromium is missing (test/setup/global.ts).
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Timing-sensitive suites (enumeration, stalls) must not share the 2 cores with each other.
    fileParallelism: false,
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
  },
});
