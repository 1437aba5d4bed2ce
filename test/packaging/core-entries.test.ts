/**
 * `@tokenkit/core` and `@tokenkit/core/http` as an installed app loads them:
 * the BUILT packages, resolved through the package.json `exports` map from a
 * package that depends on core, in ESM (`import`) and in CJS (`require`).
 * Also the publint-style checks of that map (every target exists, types
 * first, ESM/CJS files on the right conditions).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt } from '../helpers/built-packages.js';

const CORE = join(ROOT, 'packages/core');

beforeAll(() => {
  ensureBuilt(['core'], 'http.cjs');
  ensureBuilt(['core', 'redis', 'express', 'koa']);
}, 180_000);

/** The root entry: what an app author uses, and nothing of the HTTP plumbing. */
const ROOT_VALUES = [
  'ApiKeys',
  'CHECK_LENGTH',
  'ConfigError',
  'ConflictError',
  'DEFAULT_PASSWORD_ALPHABET',
  'EVENT_CHANNEL',
  'ID_LENGTH',
  'InvalidArgumentError',
  'Invitations',
  'KeyedHasher',
  'MAX_CREDENTIAL_LENGTH',
  'MAX_PREFIX_LENGTH',
  'MIN_SECRET_LENGTH',
  'MemoryStore',
  'ResetTokens',
  'SECRET_LENGTH',
  'StoreUnavailableError',
  'TokenkitError',
  'USED_BY_PREVIEW',
  'VERIFY_TRACING_CHANNEL',
  'choice',
  'firstUseFailure',
  'generateCredential',
  'isStoreUnavailableError',
  'isTokenkitError',
  'isValidPrefix',
  'matchesAnyHash',
  'parseCredential',
  'parseDuration',
  'password',
  'randomBelow',
  'safeEqual',
  'tokenBytes',
  'tokenHex',
  'tokenUrlsafe',
];

/** A few of the `/http` entry's values the adapters rely on. */
const HTTP_VALUES = [
  'createApiKeyAuthFlow',
  'createResetFlow',
  'createInvitationFlow',
  'compileSources',
  'WindowThrottle',
  'FailureGate',
  'TokenCookie',
  'readBody',
  'problem',
  'rejectionOf',
  'wantsHtml',
  'OriginCheck',
  'isThenable',
];

/**
 * Loads both entries in a child process from an example app (a package that
 * depends on `@tokenkit/core`), with its adapter and `@tokenkit/redis` (both
 * import `@tokenkit/core/http`), and reports what it saw. The guard from
 * `/http` verifies a key of an `ApiKeys` from the root entry: on a
 * `MemoryStore` the answer must come in the same tick, which holds only when
 * both entries share one copy of core's modules.
 */
const PROBE = `
  const report = {
    root: Object.keys(root).sort(),
    http: Object.keys(http).sort(),
    verifyNow: 'verifyNow' in root.ApiKeys.prototype,
  };
  const apiKeys = new root.ApiKeys({ store: new root.MemoryStore({ sweepIntervalMs: 0 }), secret: 'entries-test-secret-0123456789abcdefgh' });
  apiKeys.create({ ownerId: 'o' }).then(async ({ key }) => {
    await apiKeys.verify(key);
    const answer = http.createApiKeyAuthFlow({ apiKeys })({ method: 'GET', headers: { authorization: 'Bearer ' + key } });
    report.sameTick = !http.isThenable(answer) && answer.apiKey?.ownerId === 'o';
    const down = http.storeUnavailable(1000);
    report.storeUnavailable = down.status;
    report.adapters = [typeof adapter.apiKeyAuth, typeof adapter.resetRoutes, typeof redis.RedisStore];
    console.log(JSON.stringify(report));
  });
`;

interface Report {
  root: string[];
  http: string[];
  verifyNow: boolean;
  sameTick: boolean;
  storeUnavailable: number;
  adapters: string[];
}

function probe(format: 'esm' | 'cjs', framework: 'express' | 'koa'): Report {
  const names = ['@tokenkit/core', '@tokenkit/core/http', `@tokenkit/${framework}`, '@tokenkit/redis'];
  const [root, http, adapter, redis] = names.map((name) => (format === 'esm' ? `await import('${name}')` : `require('${name}')`));
  const load = `const root = ${root}; const http = ${http}; const adapter = ${adapter}; const redis = ${redis};`;
  const args = format === 'esm' ? ['--input-type=module', '-e', load + PROBE] : ['-e', load + PROBE];
  const cwd = join(ROOT, `examples/${framework}-app`);
  const out = execFileSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Report;
}

describe.each(['esm', 'cjs'] as const)('built @tokenkit/core entries (%s)', (format) => {
  it.each(['express', 'koa'] as const)('from the %s example: the root entry holds the app-facing API, /http the flows; one copy of core', (framework) => {
    const report = probe(format, framework);
    expect(report.root).toEqual([...ROOT_VALUES].sort());
    expect(report.http).toEqual(expect.arrayContaining(HTTP_VALUES));
    expect(report.root.filter((name) => report.http.includes(name))).toEqual([]);
    expect(report.verifyNow).toBe(false);
    expect(report.sameTick).toBe(true);
    expect(report.storeUnavailable).toBe(503);
    expect(report.adapters).toEqual(['function', 'function', 'function']);
  });
});

describe('@tokenkit/core package.json exports (publint-style)', () => {
  const pkg = JSON.parse(readFileSync(join(CORE, 'package.json'), 'utf8')) as {
    exports: Record<string, string | Record<string, Record<string, string>>>;
    typesVersions: Record<string, Record<string, string[]>>;
    main: string;
    module: string;
    types: string;
  };

  it('maps ., ./http and ./testing to existing ESM and CJS files, types first in each condition', () => {
    expect(Object.keys(pkg.exports)).toEqual(['.', './http', './testing', './package.json']);
    for (const [subpath, name] of [
      ['.', 'index'],
      ['./http', 'http'],
      ['./testing', 'testing/index'],
    ] as const) {
      const conditions = pkg.exports[subpath] as Record<string, Record<string, string>>;
      expect(Object.keys(conditions), subpath).toEqual(['import', 'require']);
      expect(conditions.import, subpath).toEqual({ types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` });
      expect(conditions.require, subpath).toEqual({ types: `./dist/${name}.d.cts`, default: `./dist/${name}.cjs` });
      for (const target of [...Object.values(conditions.import!), ...Object.values(conditions.require!)]) {
        expect(existsSync(join(CORE, target)), `${subpath} → ${target}`).toBe(true);
      }
    }
    for (const legacy of [pkg.main, pkg.module, pkg.types]) expect(existsSync(join(CORE, legacy)), legacy).toBe(true);
    // TypeScript's legacy `node10` resolution finds the subpath's types through typesVersions.
    for (const entry of ['http', 'testing']) {
      for (const target of pkg.typesVersions['*']?.[entry] ?? ['(missing)']) expect(existsSync(join(CORE, target)), target).toBe(true);
    }
  });

  it('the CJS files are CommonJS and the ESM files are modules (no format mix-up)', () => {
    for (const name of ['index', 'http']) {
      const cjs = readFileSync(join(CORE, `dist/${name}.cjs`), 'utf8');
      const esm = readFileSync(join(CORE, `dist/${name}.js`), 'utf8');
      expect(cjs, name).toMatch(/\brequire\(/);
      expect(cjs, name).not.toMatch(/^\s*(import|export)\s[^(]/m);
      expect(esm, name).toMatch(/^export\s/m);
      expect(esm, name).not.toMatch(/\brequire\(/);
    }
  });
});
