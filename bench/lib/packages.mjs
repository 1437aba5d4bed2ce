// The benchmarks measure what users install: the BUILT packages
// (packages/*/dist), imported by path because bench/ is not a workspace member.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * @param {string} name - core | redis | express | koa
 * @param {string} [entry] - the built entry: `index`, or `http` for `@tokenkit/core/http`
 */
export function distEntry(name, entry = 'index') {
  return join(ROOT, 'packages', name, 'dist', `${entry}.js`);
}

/**
 * Newest modification time of any file under `dir` (0 when missing).
 * @param {string} dir
 */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return max;
}

/**
 * @param {string} name - package folder name
 * @returns {'missing' | 'stale' | 'fresh' | 'absent'} absent = the package has no sources yet
 */
export function distState(name) {
  const src = join(ROOT, 'packages', name, 'src');
  if (!existsSync(join(src, 'index.ts'))) return 'absent';
  const entry = distEntry(name);
  if (!existsSync(entry)) return 'missing';
  return newest(src) > statSync(entry).mtimeMs ? 'stale' : 'fresh';
}

/**
 * Imports a built package (or one of its subpath entries).
 * @param {string} name - core | redis | express | koa
 * @param {string} [subpath] - e.g. `http` for `@tokenkit/core/http`
 */
export async function load(name, subpath = 'index') {
  const entry = distEntry(name, subpath);
  if (!existsSync(entry)) {
    throw new Error(`packages/${name}/dist is missing: run \`pnpm build\` (or \`pnpm --filter @tokenkit/${name} build\`) first`);
  }
  return import(pathToFileURL(entry).href);
}

/**
 * Imports a dependency installed at the repository root (express4, koa3, ioredis, autocannon…).
 * @param {string} name
 */
export async function loadDependency(name) {
  const { createRequire } = await import('node:module');
  const require = createRequire(join(ROOT, 'package.json'));
  return import(pathToFileURL(require.resolve(name)).href);
}
