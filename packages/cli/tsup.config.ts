import { defineConfig } from 'tsup';

// One config (not two run in parallel) so `clean` cannot race the other build's output.
// `cli.ts` keeps its shebang; tsup marks files with one executable. ESM only: the bin is
// ESM and `require('tokenkit')` works on the Node versions `engines` allows (require(esm)).
export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
