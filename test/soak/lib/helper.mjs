// Loads test/helpers/redis-server.ts (TypeScript) into this plain-Node process.
// Node 20 cannot strip types itself, so the file is transpiled once with the
// repository's own `typescript` (types erased, no type check — tsc checks it
// separately) into test/soak/out/, which is git-ignored.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { ROOT } from './paths.mjs';

/** Where this process's transpiled copy goes (one per process: runs may overlap). */
export const HELPER_COPY = join(ROOT, 'test/soak/out', `redis-server.${process.pid}.mjs`);

/** @returns {Promise<typeof import('../../helpers/redis-server.ts')>} */
export async function loadRedisHelper() {
  const source = readFileSync(join(ROOT, 'test/helpers/redis-server.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    fileName: 'redis-server.ts',
  });
  const out = join(ROOT, 'test/soak/out');
  mkdirSync(out, { recursive: true });
  // Copies left by runs that were killed before they could remove theirs.
  for (const file of readdirSync(out)) {
    const pid = Number(/^redis-server\.(\d+)\.mjs$/.exec(file)?.[1]);
    if (pid && pid !== process.pid && !alive(pid)) rmSync(join(out, file), { force: true });
  }
  writeFileSync(HELPER_COPY, outputText);
  return import(pathToFileURL(HELPER_COPY).href);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}
