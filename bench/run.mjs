// `pnpm bench` — runs every benchmark section in its own process and writes
// bench/RESULTS.md plus bench/http-ratios.svg from that one run.
//
//   node bench/run.mjs              full run (~10–15 min), rewrites bench/RESULTS.md
//   node bench/run.mjs --quick      smoke run (< 2 min) for CI: writes bench/out/ only
//   --only=micro,http               run some sections (results go to bench/out/ only)
//   node bench/run.mjs --render     rewrite RESULTS.md + chart from bench/out/run.full.json (no re-measuring)
//   --no-redis                      skip everything that needs Redis
//
// Exit code: non-zero when a section fails (crash, failed check such as a
// non-2xx response in a valid-key run); missed targets are reported in
// RESULTS.md but do not fail the run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from './lib/args.mjs';
import { machine } from './lib/env.mjs';
import { distState, ROOT } from './lib/packages.mjs';
import { acquireRedis } from './lib/redis.mjs';
import { ratioChart } from './report/svg.mjs';
import { resultsMarkdown } from './report/results-md.mjs';
import { judgeTargets } from './report/targets.mjs';

const opts = parseArgs(process.argv.slice(2));
const BENCH = join(ROOT, 'bench');
const OUT = join(BENCH, 'out');
// Cheap and noise-sensitive first; the long HTTP section last.
const SECTIONS = [
  { name: 'micro', script: 'micro/index.mjs', redis: false, timeoutMs: 240_000 },
  { name: 'seed-peer', script: 'seed-peer/index.mjs', redis: false, timeoutMs: 240_000 },
  { name: 'round-trips', script: 'round-trips/index.mjs', redis: true, timeoutMs: 180_000 },
  { name: 'redis-invalidation', script: 'redis-invalidation/index.mjs', redis: true, timeoutMs: 300_000 },
  { name: 'postgres', script: 'postgres/index.mjs', redis: false, timeoutMs: 900_000 },
  { name: 'scale', script: 'scale/index.mjs', redis: 'optional', timeoutMs: 600_000 },
  { name: 'http', script: 'http/index.mjs', redis: 'optional', timeoutMs: 900_000 },
];

/** Builds packages whose dist is missing or older than their sources. */
function ensureBuilt() {
  for (const name of ['core', 'redis', 'express', 'koa', 'postgres']) {
    const state = distState(name);
    if (state === 'fresh') continue;
    if (state === 'absent') throw new Error(`packages/${name}/src/index.ts does not exist: nothing to benchmark`);
    console.log(`[bench] packages/${name}/dist is ${state}: pnpm --filter @tokenkit/${name} build`);
    const r = spawnSync('pnpm', ['--filter', `@tokenkit/${name}`, 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`building @tokenkit/${name} failed (exit ${r.status ?? r.error})`);
  }
}

/**
 * @param {{name: string, script: string, timeoutMs: number}} section
 * @param {string[]} args
 * @returns {Promise<{code: number | null, timedOut: boolean}>}
 */
function runSection(section, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(BENCH, section.script), ...args], { stdio: 'inherit' });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, section.timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut });
    });
  });
}

async function main() {
  const started = Date.now();
  const mode = opts.quick ? 'quick' : 'full';
  const selected = SECTIONS.filter((s) => !opts.only || opts.only.includes(s.name)).filter((s) => !(opts.noRedis && s.redis === true));
  if (selected.length === 0) throw new Error(`no section matches --only=${opts.only}`);
  ensureBuilt();
  mkdirSync(OUT, { recursive: true });
  const env = machine();
  console.log(`[bench] ${mode} run: ${selected.map((s) => s.name).join(', ')}`);
  console.log(`[bench] ${env.cpuModel}, nproc ${env.nproc}, Node ${env.node}, redis-server ${env.redisServer ?? 'n/a'}, load ${env.loadAverage}`);
  console.log('[bench] HTTP: server and load generator share the same cores.\n');

  let redis;
  if (!opts.noRedis && selected.some((s) => s.redis)) {
    redis = await acquireRedis();
    console.log(`[bench] Redis: ${redis.private ? `private redis-server pid ${redis.pid}` : 'shared server'} on ${redis.host}:${redis.port}\n`);
  }
  const stopRedis = () => redis?.stop();
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, async () => {
      await stopRedis();
      process.exit(130);
    });
  }

  const sections = {};
  const failures = [];
  try {
    for (const section of selected) {
      const file = join(OUT, `${section.name}.json`);
      rmSync(file, { force: true });
      const args = [...(opts.quick ? ['--quick'] : []), '--out', file];
      if (opts.noRedis) args.push('--no-redis');
      else if (redis && section.redis) {
        args.push('--redis-host', redis.host, '--redis-port', String(redis.port));
        if (redis.private) args.push('--redis-private');
      }
      console.log(`\n=== ${section.name} ${'='.repeat(60 - section.name.length)}`);
      const t0 = Date.now();
      const { code, timedOut } = await runSection(section, args);
      let result;
      try {
        result = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        result = { section: section.name, ok: false, error: timedOut ? `timed out after ${section.timeoutMs / 1000} s` : `exited with ${code} and wrote no result` };
      }
      if (code !== 0 && result.ok) result = { ...result, ok: false, error: `exited with ${code}` };
      sections[section.name] = result;
      if (!result.ok) failures.push(`${section.name}: ${String(result.error).split('\n')[0]}`);
      console.log(`=== ${section.name}: ${result.ok ? 'ok' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  } finally {
    await stopRedis();
  }

  // The committed RESULTS.md only ever comes from a complete full run.
  const complete = mode === 'full' && !opts.only && !opts.noRedis;
  const seconds = (Date.now() - started) / 1000;
  writeReports({ env, mode, seconds, sections, complete });
  writeFileSync(join(OUT, `run.${mode}.json`), `${JSON.stringify({ machine: env, mode, seconds, sections, complete }, null, 2)}\n`);
  printTargets(mode, sections);
  console.log(`\n[bench] ${complete ? 'wrote bench/RESULTS.md' : `wrote bench/out/RESULTS.${mode}.md`} in ${seconds.toFixed(0)} s`);
  if (failures.length > 0) {
    console.error(`\n[bench] ${failures.length} section(s) failed:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
}

/**
 * RESULTS.md (+ the SVG chart) from one run's sections: bench/ for a complete
 * full run, bench/out/ otherwise.
 * @param {{env: any, mode: string, seconds: number, sections: Record<string, any>, complete: boolean}} run
 */
function writeReports({ env, mode, seconds, sections, complete }) {
  const mdPath = complete ? join(BENCH, 'RESULTS.md') : join(OUT, `RESULTS.${mode}.md`);
  const svgPath = complete ? join(BENCH, 'http-ratios.svg') : join(OUT, `http-ratios.${mode}.svg`);
  if (sections.http?.ok) {
    writeFileSync(
      svgPath,
      ratioChart(sections.http.ratios, {
        title: 'tokenkit apiKeyAuth and a naive guard relative to the unguarded route',
        subtitle: `autocannon -c 50, median of ${sections.http.rounds} interleaved round(s); server, load generator and Redis share ${env.nproc} cores; ${env.date.slice(0, 10)}`,
      }),
    );
  }
  writeFileSync(mdPath, resultsMarkdown({ machine: env, mode, seconds, sections, svgPath: complete ? 'http-ratios.svg' : `http-ratios.${mode}.svg` }));
}

/**
 * @param {string} mode
 * @param {Record<string, any>} sections
 */
function printTargets(mode, sections) {
  console.log(`\n[bench] targets (${mode} run${mode === 'quick' ? ': smoke numbers, not meaningful' : ''}):`);
  for (const t of judgeTargets(sections)) console.log(`  ${t.status.padEnd(12)} ${t.target}\n               ${t.value}`);
}

/**
 * `--render`: rewrite the reports of the last full run from bench/out/run.full.json
 * (its numbers unchanged) after the report code changed — no re-measuring.
 */
function render() {
  const saved = JSON.parse(readFileSync(join(OUT, 'run.full.json'), 'utf8'));
  const complete = saved.complete ?? Object.values(saved.sections).every((x) => x.ok);
  writeReports({ env: saved.machine, mode: saved.mode, seconds: saved.seconds, sections: saved.sections, complete });
  printTargets(saved.mode, saved.sections);
  console.log(`\n[bench] re-rendered ${complete ? 'bench/RESULTS.md' : 'bench/out/RESULTS.full.md'} from bench/out/run.full.json`);
}

if (process.argv.includes('--render')) {
  render();
} else {
  main().catch((err) => {
    console.error('[bench] failed:', err);
    process.exitCode = 1;
  });
}
