// Where the app server's CPU goes below JavaScript: runs the bench server of
// two variants one after the other, drives each with autocannon (-c 50), and
// samples the server with `perf record -e cpu-clock -g` (a software clock:
// these VMs expose no hardware counters). Prints, per variant, CPU µs per
// request in total, in the kernel, inside `writev`, and inside the loopback
// wake-up of the load generator (`sock_def_readable`, reached from the
// server's own `writev`). Not part of `pnpm bench`; used to explain the
// Express ratios in bench/RESULTS.md. Needs `perf` (Debian: linux-perf) and root.
//
//   node bench/http/perf-kernel.mjs express4 bare memory
import { fork, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDependency, ROOT } from '../lib/packages.mjs';
import { deletePrefix, ioredis, uniquePrefix } from '../lib/redis.mjs';

const [framework = 'express4', ...variants] = process.argv.slice(2);
if (variants.length === 0) variants.push('bare', 'memory');
const HZ = 2999;
const autocannon = (await loadDependency('autocannon')).default;
const prefix = uniquePrefix();
const work = mkdtempSync(join(tmpdir(), 'tokenkit-perf-'));

async function measure(variant) {
  const config = { framework, variant, redisHost: '127.0.0.1', redisPort: 6379, prefix: `${prefix}${variant}:` };
  const child = fork(join(ROOT, 'bench', 'http', 'server.mjs'), [JSON.stringify(config)]);
  const server = await new Promise((resolve) => child.once('message', resolve));
  const options = { url: `http://127.0.0.1:${server.port}/hello`, connections: 50, headers: { authorization: `Bearer ${server.key ?? 'sk_none'}` } };
  try {
    await autocannon({ ...options, duration: 2 }); // warm-up
    const data = join(work, `${variant}.data`);
    const perf = spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-F', String(HZ), '-g', '-p', String(server.pid), '-o', data], { stdio: 'ignore' });
    const recorded = new Promise((resolve) => perf.once('exit', resolve));
    const result = await autocannon({ ...options, duration: 6 });
    perf.kill('SIGINT');
    await recorded;
    const script = spawnSync('perf', ['script', '-i', data, '-F', 'ip,sym,dso'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (script.status !== 0) throw new Error(`perf script failed: ${script.stderr}`);
    let samples = 0;
    let kernel = 0;
    let writev = 0;
    let wakeup = 0;
    for (const stack of script.stdout.split('\n\n')) {
      const frames = stack.trim().split('\n');
      if (frames.length === 0 || frames[0] === '') continue;
      samples++;
      if (frames[0].includes('[kernel.kallsyms]')) kernel++;
      if (frames.some((f) => /\bdo_writev\b/.test(f))) writev++;
      if (frames.some((f) => /\bsock_def_readable\b/.test(f)) && frames.some((f) => /\bdo_writev\b/.test(f))) wakeup++;
    }
    const requests = result.requests.total;
    const usPerRequest = (n) => ((n / HZ) * 1e6) / requests;
    return { variant, reqPerSec: result.requests.average, requests, samples, total: usPerRequest(samples), kernel: usPerRequest(kernel), writev: usPerRequest(writev), wakeup: usPerRequest(wakeup) };
  } finally {
    child.kill();
  }
}

try {
  const rows = [];
  for (const variant of variants) rows.push(await measure(variant));
  console.log(`${framework}: server CPU per request (perf cpu-clock samples × ${(1e6 / HZ).toFixed(0)} µs ÷ requests answered)\n`);
  console.log('variant        req/s    total µs  kernel µs  in writev µs  waking the client µs');
  for (const r of rows) {
    console.log(
      `${r.variant.padEnd(12)} ${r.reqPerSec.toFixed(0).padStart(7)}  ${r.total.toFixed(1).padStart(8)}  ${r.kernel.toFixed(1).padStart(9)}  ${r.writev.toFixed(1).padStart(12)}  ${r.wakeup.toFixed(1).padStart(20)}`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  if (variants.some((v) => v === 'rawget' || v === 'redis')) {
    const Redis = await ioredis();
    const admin = new Redis({ host: '127.0.0.1', port: 6379 });
    await deletePrefix(admin, prefix);
    admin.disconnect();
  }
}
