import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, entry = 'index.ts') => fileURLToPath(new URL(`./packages/${pkg}/src/${entry}`, import.meta.url));

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
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'test/soak/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Timing-sensitive suites (enumeration, stalls) must not share the 2 cores with each other.
    fileParallelism: false,
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
  },
});
