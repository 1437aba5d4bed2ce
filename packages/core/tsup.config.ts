import { defineConfig } from 'tsup';

export default defineConfig({
  // Three entries: `@tokenkit/core`, `@tokenkit/core/http` and `@tokenkit/core/testing`.
  entry: { index: 'src/index.ts', http: 'src/http/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  // Shared code goes to common chunks in both formats, so both entries see one
  // copy of each module (one `ApiKeys` class, one event registry) in ESM and in CJS.
  splitting: true,
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
