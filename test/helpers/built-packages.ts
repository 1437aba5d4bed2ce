/**
 * Tests that run the BUILT packages in child processes (race workers, the CLI
 * binary) call this first. CI runs `pnpm build` before `pnpm test`; locally,
 * a dist that is missing or older than its sources is rebuilt here so a test
 * never exercises stale code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Rebuilds the packages (folder names under `packages/`) whose `dist/<entry>`
 * is missing or older than their `src/`.
 *
 * @param packages - e.g. `['core', 'redis']`
 * @param entry - the built file that must exist (default `index.js`)
 * @example
 * ```ts
 * beforeAll(() => ensureBuilt(['core', 'redis', 'cli']), 180_000)
 * ```
 */
export function ensureBuilt(packages: readonly string[], entry = 'index.js'): void {
  const stale = packages.filter((pkg) => {
    const dist = join(ROOT, 'packages', pkg, 'dist', entry);
    return !existsSync(dist) || statSync(dist).mtimeMs < newestMtime(join(ROOT, 'packages', pkg, 'src'));
  });
  if (stale.length === 0) return;
  const filters = stale.flatMap((pkg) => ['--filter', `./packages/${pkg}`]);
  execFileSync('pnpm', [...filters, 'run', 'build'], { cwd: ROOT, stdio: 'ignore', timeout: 180_000 });
}
