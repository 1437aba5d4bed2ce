import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      // More specific entries first: the first matching alias wins.
      '@tokenkit/core/testing': fileURLToPath(new URL('./packages/core/src/testing/index.ts', import.meta.url)),
      '@tokenkit/postgres': src('postgres'),
      '@tokenkit/core': src('core'),
      '@tokenkit/redis': src('redis'),
      '@tokenkit/express': src('express'),
      '@tokenkit/koa': src('koa'),
    },
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
