/**
 * A fresh TypeScript app outside the repository, on the PACKED packages
 * (`pnpm pack`, what npm would install), compiled with the strictest options
 * users turn on — `exactOptionalPropertyTypes` included — under module
 * `node16` (ESM and CJS files) and `bundler`. The app code is the READMEs'
 * snippets, with every optional option fed from the environment
 * (`string | undefined`), e.g. `secret: process.env.TOKENKIT_SECRET`.
 *
 * No network: the tarballs are unpacked into the app's node_modules and the
 * third-party packages they need are linked from this repository's install.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../helpers/built-packages.js';

const PACKAGES = { core: '@tokenkit/core', redis: '@tokenkit/redis', express: '@tokenkit/express', koa: '@tokenkit/koa', cli: 'tokenkit' };

/** Third-party packages the app (or the packed packages' types) import, and a package that has each installed. */
const LINKED: Array<[name: string, from: string]> = [
  ['@types/node', '.'],
  ['ioredis', 'packages/redis'],
  ['cookie', 'packages/core'],
  ['commander', 'packages/cli'],
  ['express', 'packages/express'],
  ['@types/express', 'packages/express'],
  ['koa', 'packages/koa'],
  ['@types/koa', 'packages/koa'],
];

const README_ESM = `
import { once } from 'node:events';
import { Redis } from 'ioredis';
import express from 'express';
import Koa from 'koa';
import { ApiKeys, type Duration, Invitations, MemoryStore, ResetTokens, password, type Store } from '@tokenkit/core';
import { RedisStore, recommendedRedisOptions } from '@tokenkit/redis';
import { apiKeyAuth, invitationRoutes, resetRoutes } from '@tokenkit/express';
import * as koaAdapter from '@tokenkit/koa';
import { run } from 'tokenkit';

const env = process.env;
const maybe = <T>(value: T): T | undefined => (env.NEVER_SET ? undefined : value);
const duration = (name: string): Duration | undefined => env[name] as Duration | undefined;

// Root README quickstart, as written.
const store: Store = env.REDIS_URL
  ? new RedisStore({ client: new Redis(env.REDIS_URL, recommendedRedisOptions()), prefix: env.REDIS_PREFIX, timeout: maybe(1000) })
  : new MemoryStore({ maxEntries: maybe(1000), sweepIntervalMs: undefined, now: maybe(() => Date.now()) });
const apiKeys = new ApiKeys({ store, secret: process.env.TOKENKIT_SECRET });

// Redis README, Set-up / Standalone, as written (and with overrides, as the CLI passes them).
const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', recommendedRedisOptions());
await once(client, 'ready');
new RedisStore({ client });
new Redis('redis://127.0.0.1:6379', recommendedRedisOptions({ lazyConnect: true, connectTimeout: 1000, retryStrategy: () => null, connectionName: 'x' }));

const app = express();
app.use('/api', apiKeyAuth({ apiKeys, scopes: ['read'] }));
app.get('/api/me', (req, res) => res.json({ owner: req.apiKey?.ownerId }));

const { key } = await apiKeys.create({ ownerId: 'user_1', scopes: ['read'] });
console.log(key);

// Every optional option may be given as undefined.
const secret = env.TOKENKIT_SECRET;
const resets = new ResetTokens({ store, secret, prefix: env.RESET_PREFIX, ttl: duration('RESET_TTL'), onIssue: maybe('keep' as const), now: undefined, onEvent: undefined });
const invites = new Invitations({ store, secret, ttl: duration('INVITE_TTL'), retention: duration('RETENTION') });
new ApiKeys({ store, secret: maybe([env.A ?? '', env.B ?? '']), retention: duration('RETENTION') });
new RedisStore({ client: new Redis(), waitForReplicas: maybe({ replicas: 1, timeoutMs: 100, verifications: undefined }), recordCache: maybe(0) });
await apiKeys.create({ ownerId: 'u', name: env.NAME, scopes: undefined, expiresIn: duration('EXPIRES'), remaining: maybe(5), rateLimit: undefined, meta: undefined });
await apiKeys.verify(key, { scopes: undefined });
await apiKeys.rotate('id', { gracePeriod: duration('GRACE') });
await invites.create({ createdBy: 'admin', role: env.ROLE, maxUses: maybe(3), expiresIn: duration('EXPIRES'), email: env.EMAIL, meta: undefined });
await invites.redeem('code', { userId: 'u', email: env.EMAIL });
await invites.list({ createdBy: env.BY, status: undefined });
password({ length: maybe(20), alphabet: env.ALPHABET, require: undefined, exclude: env.EXCLUDE });

const users = new Map<string, { id: string; email: string }>();
app.use('/api2', apiKeyAuth({ apiKeys, scopes: undefined, from: undefined, optional: maybe(true), throttle: maybe(false as const), store: undefined, realm: env.REALM }));
app.use(
  '/auth/reset',
  resetRoutes({
    resets,
    baseUrl: 'http://localhost:3000/auth/reset',
    formPath: env.FORM_PATH,
    cookie: { secure: maybe(false), name: env.COOKIE, path: undefined, domain: env.DOMAIN, maxAge: undefined },
    findUserByEmail: (email) => users.get(email.toLowerCase()) ?? null,
    sendResetEmail: async ({ user, url }) => console.log(user.id, url),
    validatePassword: maybe((pw: string) => pw.length >= 12 || 'Use at least 12 characters.'),
    setPassword: async () => {},
    minDuration: duration('MIN'), emailCooldown: undefined, ipLimit: undefined, store: undefined, bodyLimit: maybe(1024), onError: undefined,
  }),
);
app.use(
  '/invites',
  invitationRoutes({
    invites,
    acceptPath: env.ACCEPT_PATH,
    cookie: undefined,
    bodyLimit: undefined,
    getUser: (req) => (req.get('x-demo-user') ? { id: String(req.get('x-demo-user')) } : null),
    onAccepted: maybe(({ user, role }: { user: { id: string }; role: string }) => void users.set(user.id, { id: user.id, email: role })),
  }),
);

const koa = new Koa();
koa.use(koaAdapter.apiKeyAuth({ apiKeys, scopes: ['read'], realm: env.REALM }));
koa.use(koaAdapter.resetRoutes({ resets, base: env.BASE, baseUrl: 'http://localhost/reset', findUserByEmail: () => null, sendResetEmail: () => {}, setPassword: () => {} }));
koa.use(koaAdapter.invitationRoutes({ invites, base: env.BASE, getUser: () => null }));
koa.use((ctx) => {
  ctx.body = ctx.state.apiKey?.ownerId ?? null;
});
void run;
`;

const CJS = `
import core = require('@tokenkit/core');
import redis = require('@tokenkit/redis');
import expressAdapter = require('@tokenkit/express');
import koaAdapter = require('@tokenkit/koa');

const store = new core.MemoryStore();
const apiKeys = new core.ApiKeys({ store, secret: process.env.TOKENKIT_SECRET });
export const middleware = [expressAdapter.apiKeyAuth({ apiKeys, realm: process.env.REALM }), koaAdapter.apiKeyAuth({ apiKeys })];
export const options = redis.recommendedRedisOptions();
`;

const COMPILER = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  target: 'ES2022',
  lib: ['ES2023'],
  types: ['node'],
  noEmit: true,
  // The packed declarations are checked too, not only the app's use of them.
  skipLibCheck: false,
};

/**
 * Unpacks the tarballs into `app/node_modules` (copies, so their own imports resolve
 * from this app) and links the third-party packages.
 */
function installApp(app: string, packs: string, linked: Array<[name: string, from: string]>): void {
  for (const name of Object.values(PACKAGES)) {
    const tarball = readdirSync(packs).find((f) => f.startsWith(name.replace('@', '').replace('/', '-')) && f.endsWith('.tgz'));
    const target = join(app, 'node_modules', name);
    mkdirSync(target, { recursive: true });
    execFileSync('tar', ['-xzf', join(packs, tarball!), '-C', target, '--strip-components=1']);
  }
  for (const [name, from] of linked) {
    const resolveFrom = createRequire(join(ROOT, from, 'package.json'));
    let pkgDir: string;
    try {
      pkgDir = dirname(resolveFrom.resolve(`${name}/package.json`));
    } catch {
      pkgDir = realpathSync(join(ROOT, from, 'node_modules', name));
    }
    mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true });
    symlinkSync(realpathSync(pkgDir), join(app, 'node_modules', name), 'dir');
  }
}

let dir: string;
const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');

beforeAll(() => {
  ensureBuilt(Object.keys(PACKAGES));
  dir = mkdtempSync(join(tmpdir(), 'tokenkit-consumer-'));
  const packs = join(dir, 'packs');
  mkdirSync(packs);
  for (const [folder] of Object.entries(PACKAGES)) {
    execFileSync('pnpm', ['pack', '--pack-destination', packs], { cwd: join(ROOT, 'packages', folder), stdio: 'ignore' });
  }
  const app = join(dir, 'app');
  installApp(app, packs, LINKED);
  // The same app on ioredis 6, whose own RedisOptions type is not assignable to its constructor under
  // exactOptionalPropertyTypes: recommendedRedisOptions() must return a type either major accepts.
  const app6 = join(dir, 'app-ioredis6');
  installApp(app6, packs, LINKED.filter(([name]) => name !== 'ioredis'));
  symlinkSync(realpathSync(join(ROOT, 'node_modules/ioredis6')), join(app6, 'node_modules/ioredis'), 'dir');
  writeFileSync(join(app6, 'package.json'), JSON.stringify({ name: 'consumer-ioredis6', private: true, type: 'module' }));
  writeFileSync(join(app6, 'readme.ts'), README_ESM);
  // ioredis 6's declarations import the untyped redis-errors; the shim keeps skipLibCheck off for the rest.
  writeFileSync(join(app6, 'redis-errors.d.ts'), "declare module 'redis-errors';\n");
  writeFileSync(
    join(app6, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { ...COMPILER, module: 'node16', moduleResolution: 'node16' }, files: ['readme.ts', 'redis-errors.d.ts'] }),
  );
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(join(app, 'readme.ts'), README_ESM);
  writeFileSync(join(app, 'require.cts'), CJS);
  const tsconfig = (module: string, moduleResolution: string, files: string[]) =>
    JSON.stringify({ compilerOptions: { ...COMPILER, module, moduleResolution }, files });
  writeFileSync(join(app, 'tsconfig.node16.json'), tsconfig('node16', 'node16', ['readme.ts', 'require.cts']));
  writeFileSync(join(app, 'tsconfig.bundler.json'), tsconfig('esnext', 'bundler', ['readme.ts']));
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function compile(project: string, app = 'app'): string {
  try {
    execFileSync(process.execPath, [tsc, '-p', project], { cwd: join(dir, app), encoding: 'utf8', timeout: 120_000 });
    return '';
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err);
  }
}

describe('packed packages in a fresh app with exactOptionalPropertyTypes', () => {
  it('module node16 (ESM and CJS files): the README snippets and undefined for every optional option compile', () => {
    expect(compile('tsconfig.node16.json')).toBe('');
  }, 120_000);

  it('moduleResolution bundler: the same', () => {
    expect(compile('tsconfig.bundler.json')).toBe('');
  }, 120_000);

  it('on ioredis 6: new Redis(url, recommendedRedisOptions()) from the READMEs compiles', () => {
    expect(compile('tsconfig.json', 'app-ioredis6')).toBe('');
  }, 120_000);
});
