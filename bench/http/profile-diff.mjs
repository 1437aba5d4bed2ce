// Where a guarded request's extra server CPU goes: runs the bench server of
// two variants under `--cpu-prof`, alternating (A B A B …, `--rounds`, default
// 3, each a fresh server driven by autocannon -c 50 for `--seconds`, default
// 5, after a 1 s warm-up), and prints per request, summed over the rounds:
//   1. busy time by category (tokenkit code, the route's middleware, crypto,
//      Express/Koa, Node's HTTP stack, GC, native writes …);
//   2. inclusive time of the route's guard middleware (its whole subtree);
//   3. self time by function, largest differences first.
// Not part of `pnpm bench`; used to explain the HTTP ratios (bench/README.md,
// "Where the guard's time goes").
//
//   node bench/http/profile-diff.mjs express4 naive memory [--rounds=3] [--seconds=5]
//
// Needs Redis on 127.0.0.1:6379 only for the rawget/redis variants; their
// keys go under a unique prefix and are deleted afterwards.
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDependency, ROOT } from '../lib/packages.mjs';
import { deletePrefix, ioredis, uniquePrefix } from '../lib/redis.mjs';

const flags = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => a.slice(2).split('=')),
);
const [framework = 'express4', baseline = 'bare', guarded = 'memory'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const ROUNDS = Number(flags.rounds ?? 3);
const SECONDS = Number(flags.seconds ?? 5);
const autocannon = (await loadDependency('autocannon')).default;
const prefix = uniquePrefix();
const work = mkdtempSync(join(tmpdir(), 'tokenkit-profile-'));

/** Coarse category of a profile frame, by its script URL and name. */
function category(callFrame) {
  const { functionName: fn, url } = callFrame;
  if (fn === '(idle)') return 'idle';
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(program)') return 'V8 (program)';
  if (url.includes('/packages/core/')) return 'tokenkit core';
  if (url.includes('/packages/express/') || url.includes('/packages/koa/')) return 'tokenkit adapter';
  if (url.includes('bench/http/server.mjs')) return 'bench server (route, naive guard)';
  if (url.startsWith('node:crypto') || url.startsWith('node:internal/crypto')) return 'node:crypto';
  if (/node_modules\/\.pnpm\/(express|koa|router|body-parser|send|finalhandler|on-finished|content-type|etag|fresh|accepts|type-is|negotiator|mime|depd|statuses|qs|parseurl|proxy-addr|forwarded|range-parser|cookie|vary|delegates|koa-compose|http-errors|only|encodeurl|escape-html|utils-merge|methods|path-to-regexp|merge-descriptors|safe-buffer|setprototypeof|ee-first|ipaddr)/.test(url))
    return 'framework (express/koa + deps)';
  if (url.startsWith('node:')) return 'Node (http, net, streams …)';
  if (url === '') return `native (${fn || 'anonymous'})`;
  return 'other JS';
}

/** @returns {Promise<{requests: number, self: Map<string, number>, categories: Map<string, number>, middleware: Map<string, number>}>} µs totals */
async function profile(variant) {
  const dir = join(work, `${variant}-${Date.now()}`);
  const config = { framework, variant, redisHost: '127.0.0.1', redisPort: 6379, prefix: `${prefix}${variant}:` };
  const child = fork(join(ROOT, 'bench', 'http', 'server.mjs'), [JSON.stringify(config)], { execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  const server = await new Promise((resolve) => child.once('message', resolve));
  const options = { url: `http://127.0.0.1:${server.port}/hello`, connections: 50, headers: { authorization: `Bearer ${server.key ?? 'sk_none'}` } };
  const warm = await autocannon({ ...options, duration: 1 });
  const result = await autocannon({ ...options, duration: SECONDS });
  if (result.non2xx > 0 || warm.non2xx > 0) throw new Error(`${variant}: ${result.non2xx} non-2xx answers`);
  child.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));
  // The profile spans the warm-up too: count its requests.
  const requests = warm.requests.total + result.requests.total;
  const cpuProfile = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8'));
  const ticks = new Map();
  cpuProfile.samples.forEach((id, i) => {
    ticks.set(id, (ticks.get(id) ?? 0) + (cpuProfile.timeDeltas[i] ?? 0));
  });
  const byId = new Map(cpuProfile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const categories = new Map();
  const add = (map, key, v) => map.set(key, (map.get(key) ?? 0) + v);
  for (const node of cpuProfile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber}`;
    const t = ticks.get(node.id) ?? 0;
    add(self, name, t);
    add(categories, category(node.callFrame), t);
  }
  // Inclusive time of the guard middleware: the route's first handler — the
  // naive function in server.mjs, or the closure apiKeyAuth returns (in the
  // adapter's dist) — with everything it calls up to the framework's `next`.
  // Also per function inside it, to show where the guard's own time goes.
  const middleware = new Map();
  // Stops at the framework's `next`/`dispatch`: the rest of the route (handler, response) is not the guard's.
  const handsOn = (node) => ['next', 'dispatch'].includes(node.callFrame.functionName) && node.callFrame.url.includes('node_modules');
  const inclusive = (node) =>
    (ticks.get(node.id) ?? 0) + (node.children ?? []).map((c) => byId.get(c)).reduce((a, c) => a + (handsOn(c) ? 0 : inclusive(c)), 0);
  const visit = (node, inside) => {
    const { functionName, url } = node.callFrame;
    const isGuard =
      (url.includes('bench/http/server.mjs') && functionName === 'naive') ||
      ((url.includes('/packages/express/') || url.includes('/packages/koa/')) && !inside && functionName !== 'proceed');
    if (isGuard && !inside) {
      add(middleware, `= whole middleware: ${functionName || '(anonymous)'} ${url.split('/').slice(-3).join('/')}:${node.callFrame.lineNumber}`, inclusive(node));
      const within = (n) => {
        const f = n.callFrame;
        add(middleware, `  self in ${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber}`, ticks.get(n.id) ?? 0);
        for (const c of n.children ?? []) if (!handsOn(byId.get(c))) within(byId.get(c));
      };
      within(node);
      return;
    }
    for (const c of node.children ?? []) visit(byId.get(c), inside);
  };
  visit(cpuProfile.nodes[0], false);
  return { requests, self, categories, middleware };
}

function merge(total, part) {
  total.requests += part.requests;
  for (const key of ['self', 'categories', 'middleware']) for (const [k, v] of part[key]) total[key].set(k, (total[key].get(k) ?? 0) + v);
}

const empty = () => ({ requests: 0, self: new Map(), categories: new Map(), middleware: new Map() });
const perRequest = (p, map) => new Map([...map].map(([k, v]) => [k, v / p.requests]));

try {
  const a = empty();
  const b = empty();
  for (let r = 0; r < ROUNDS; r++) {
    merge(a, await profile(baseline));
    merge(b, await profile(guarded));
  }
  const busy = (p) => [...p.categories].filter(([k]) => k !== 'idle').reduce((s, [, v]) => s + v, 0) / p.requests;
  console.log(`${framework}, ${ROUNDS} alternating round(s) × (1 s warm-up + ${SECONDS} s), autocannon -c 50 on the same cores`);
  console.log(`${baseline.padEnd(8)} ${a.requests} requests, ${busy(a).toFixed(2)} µs busy per request`);
  console.log(`${guarded.padEnd(8)} ${b.requests} requests, ${busy(b).toFixed(2)} µs busy per request\n`);

  const table = (title, ma, mb, limit) => {
    console.log(title);
    const names = new Set([...ma.keys(), ...mb.keys()]);
    const rows = [...names].map((n) => [n, ma.get(n) ?? 0, mb.get(n) ?? 0]);
    rows.sort((x, y) => Math.abs(y[2] - y[1]) - Math.abs(x[2] - x[1]));
    for (const [n, x, y] of rows.slice(0, limit)) {
      const d = y - x;
      console.log(`  ${x.toFixed(2).padStart(7)} ${y.toFixed(2).padStart(7)} ${`${d >= 0 ? '+' : ''}${d.toFixed(2)}`.padStart(7)}  ${n}`);
    }
    console.log();
  };
  table(`µs per request by category: ${baseline}, ${guarded}, difference`, perRequest(a, a.categories), perRequest(b, b.categories), 20);
  table(`inclusive µs per request in the guard middleware: ${baseline}, ${guarded}`, perRequest(a, a.middleware), perRequest(b, b.middleware), 25);
  table(`self µs per request by function: ${baseline}, ${guarded}, difference (largest first)`, perRequest(a, a.self), perRequest(b, b.self), 30);
} finally {
  rmSync(work, { recursive: true, force: true });
  if ([baseline, guarded].some((v) => v === 'rawget' || v === 'redis')) {
    const Redis = await ioredis();
    const admin = new Redis({ host: '127.0.0.1', port: 6379 });
    await deletePrefix(admin, prefix);
    admin.disconnect();
  }
}
