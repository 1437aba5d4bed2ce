// Where a guarded request's extra server CPU goes: runs the bench server of
// two variants one after the other under `--cpu-prof`, drives each with
// autocannon (-c 50, 6 s), and prints self time per request by function,
// largest differences first. Not part of `pnpm bench`; used to explain the
// HTTP ratios (see bench/RESULTS.md).
//
//   node bench/http/profile-diff.mjs express4 bare memory
//
// Needs Redis on 127.0.0.1:6379 only for the rawget/redis variants; their
// keys go under a unique prefix and are deleted afterwards.
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDependency, ROOT } from '../lib/packages.mjs';
import { deletePrefix, ioredis, uniquePrefix } from '../lib/redis.mjs';

const [framework = 'express4', baseline = 'bare', guarded = 'memory'] = process.argv.slice(2);
const autocannon = (await loadDependency('autocannon')).default;
const prefix = uniquePrefix();
const work = mkdtempSync(join(tmpdir(), 'tokenkit-profile-'));

/** @returns {Promise<{requests: number, selfUsPerRequest: Map<string, number>}>} */
async function profile(variant) {
  const dir = join(work, variant);
  const config = { framework, variant, redisHost: '127.0.0.1', redisPort: 6379, prefix: `${prefix}${variant}:` };
  const child = fork(join(ROOT, 'bench', 'http', 'server.mjs'), [JSON.stringify(config)], { execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  const server = await new Promise((resolve) => child.once('message', resolve));
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}/hello`,
    connections: 50,
    duration: 6,
    headers: { authorization: `Bearer ${server.key ?? 'sk_none'}` },
  });
  child.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));
  const requests = result.requests.total;
  const cpuProfile = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8'));
  const ticks = new Map();
  cpuProfile.samples.forEach((id, i) => {
    ticks.set(id, (ticks.get(id) ?? 0) + (cpuProfile.timeDeltas[i] ?? 0));
  });
  const selfUsPerRequest = new Map();
  for (const node of cpuProfile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber}`;
    selfUsPerRequest.set(name, (selfUsPerRequest.get(name) ?? 0) + (ticks.get(node.id) ?? 0) / requests);
  }
  return { requests, selfUsPerRequest };
}

try {
  const a = await profile(baseline);
  const b = await profile(guarded);
  const busy = (p) => [...p.selfUsPerRequest].filter(([name]) => !name.startsWith('(idle)')).reduce((sum, [, us]) => sum + us, 0);
  console.log(`${framework}: ${baseline} ${a.requests} requests, ${busy(a).toFixed(2)} µs busy per request`);
  console.log(`${framework}: ${guarded} ${b.requests} requests, ${busy(b).toFixed(2)} µs busy per request\n`);
  console.log(`µs per request, ${guarded} − ${baseline} (largest first):`);
  const names = new Set([...a.selfUsPerRequest.keys(), ...b.selfUsPerRequest.keys()]);
  const diffs = [...names].map((name) => [name, (b.selfUsPerRequest.get(name) ?? 0) - (a.selfUsPerRequest.get(name) ?? 0)]);
  diffs.sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]));
  for (const [name, diff] of diffs.slice(0, 25)) console.log(`${diff >= 0 ? '+' : ''}${diff.toFixed(2).padStart(6)}  ${name}`);
} finally {
  rmSync(work, { recursive: true, force: true });
  if ([baseline, guarded].some((v) => v === 'rawget' || v === 'redis')) {
    const Redis = await ioredis();
    const admin = new Redis({ host: '127.0.0.1', port: 6379 });
    await deletePrefix(admin, prefix);
    admin.disconnect();
  }
}
