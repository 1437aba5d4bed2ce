/**
 * What npm users see of every package: one `engines` everywhere, equal to the
 * lowest Node.js CI runs (the smoke list in .ci/run), the ioredis peer range,
 * a LICENSE in the tarball, and the registry metadata.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/built-packages.js';

const read = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));
const root = read('package.json');
const PACKAGES = ['core', 'redis', 'express', 'koa', 'cli'];

describe('package metadata', () => {
  it('engines: the same in the root and every package, and CI runs exactly that lowest version', () => {
    const engines = root.engines.node as string;
    const floor = /^>=(\d+\.\d+)$/.exec(engines)?.[1];
    expect(floor, `root engines ${engines}`).toBeDefined();
    for (const pkg of PACKAGES) expect(read(`packages/${pkg}/package.json`).engines, pkg).toEqual({ node: engines });
    const smoke = /for version in ([^;]+); do/.exec(readFileSync(join(ROOT, '.ci/run'), 'utf8'))?.[1]?.split(' ') ?? [];
    expect(smoke).toContain(`${floor}.0`);
    expect(smoke).toEqual(expect.arrayContaining(['22', '24']));
  });

  it('ioredis: peer ^5.4.0 || ^6.0.0, and both majors are installed for the tests', () => {
    expect(read('packages/redis/package.json').peerDependencies.ioredis).toBe('^5.4.0 || ^6.0.0');
    expect(root.devDependencies.ioredis).toMatch(/^\^5\./);
    expect(root.devDependencies.ioredis6).toMatch(/^npm:ioredis@\^6\./);
  });

  it('every package: MIT LICENSE file shipped, repository/homepage/bugs/keywords, public publishConfig', () => {
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    for (const pkg of PACKAGES) {
      const json = read(`packages/${pkg}/package.json`);
      expect(json.license, pkg).toBe('MIT');
      expect(existsSync(join(ROOT, 'packages', pkg, 'LICENSE')), pkg).toBe(true);
      expect(readFileSync(join(ROOT, 'packages', pkg, 'LICENSE'), 'utf8')).toBe(readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
      expect(json.files, pkg).toContain('LICENSE');
      expect(json.repository, pkg).toMatchObject({ type: 'git', url: expect.stringMatching(/^git\+https:/), directory: `packages/${pkg}` });
      expect(json.homepage, pkg).toMatch(/^https:\/\//);
      expect(json.bugs?.url, pkg).toMatch(/^https:\/\//);
      expect(json.keywords?.length, pkg).toBeGreaterThan(0);
      expect(json.publishConfig, pkg).toEqual({ access: 'public' });
    }
  });

  it('the CLI ships ESM only (no unused CJS build)', () => {
    const cli = read('packages/cli/package.json');
    expect(JSON.stringify(cli)).not.toMatch(/\.cjs|\.d\.cts/);
    expect(readFileSync(join(ROOT, 'packages/cli/tsup.config.ts'), 'utf8')).toMatch(/format: \['esm'\]/);
  });
});
