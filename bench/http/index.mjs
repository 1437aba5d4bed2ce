// HTTP overhead of the API-key guard: the same route on Express 4/5 and Koa
// 2/3, bare, behind a naive guard (sha256(header) + Map.get), guarded on the
// memory store, guarded on Redis, and doing one raw ioredis GET. Each app runs in its own forked process; autocannon runs here.
// Variants of one framework are interleaved round by round (A B C … then
// B C … A …) and compared by their medians, so drifts in machine load hit
// every variant alike.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../lib/args.mjs';
import { fmt, printTable, runSection } from '../lib/output.mjs';
import { load, loadDependency, ROOT } from '../lib/packages.mjs';
import { acquireRedis, commandStats, deletePrefix, ioredis, SCRIPT_COMMANDS, statsDelta, uniquePrefix } from '../lib/redis.mjs';
import { median } from '../lib/timing.mjs';

const opts = parseArgs(process.argv.slice(2));
const FRAMEWORKS = ['express4', 'express5', 'koa2', 'koa3'];
const CONNECTIONS = 50;
/** USER_HZ of /proc/<pid>/stat times: 100 on every Linux build Node supports (`getconf CLK_TCK`). */
const CLOCK_TICKS = 100;
const NOTE =
  `Server and load generator (autocannon, -c 50) run on the same machine and share its ${availableParallelism()} cores (2 on the reference machine), on loopback: ` +
  'req/s moves with the load generator\'s share too, so guards are judged by the server\'s own CPU per request (/proc/<pid>/stat).';

/**
 * @param {object} config - passed to server.mjs
 * @returns {Promise<{port: number, key?: string, child: import('node:child_process').ChildProcess}>}
 */
function startServer(config) {
  return new Promise((resolve, reject) => {
    const child = fork(join(ROOT, 'bench', 'http', 'server.mjs'), [JSON.stringify(config)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${config.framework}/${config.variant} server did not start in 30 s`));
    }, 30_000);
    child.once('message', (msg) => {
      clearTimeout(timer);
      resolve({ ...msg, child });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${config.framework}/${config.variant} server exited with ${code} before it was ready`));
    });
  });
}

/** @param {{child: import('node:child_process').ChildProcess}} server */
function stopServer(server) {
  const { child } = server;
  child.removeAllListeners('exit');
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.send('stop');
  });
}

async function main() {
  const autocannon = (await loadDependency('autocannon')).default;
  const core = await load('core');
  const duration = opts.quick ? 1 : 3;
  const warmup = opts.quick ? 0.5 : 1.5;
  const rounds = opts.quick ? 1 : 7;
  const withRedis = !opts.noRedis;
  const variants = ['bare', 'naive', 'memory', 'memory-10pct', ...(withRedis ? ['rawget', 'redis'] : [])];
  console.log(NOTE);
  console.log(`${rounds} round(s) × ${duration} s per variant, ${CONNECTIONS} connections, variants interleaved\n`);

  let redis;
  let admin;
  const prefix = uniquePrefix();
  if (withRedis) {
    redis = opts.redisPort ? { host: opts.redisHost, port: opts.redisPort, private: opts.redisPrivate, stop: async () => {} } : await acquireRedis();
    const Redis = await ioredis();
    admin = new Redis({ host: redis.host, port: redis.port });
  }
  // A well-formed key (right prefix, valid checksum) that no store holds: it
  // takes the full path, store lookup included, to a 401.
  const invalidKey = core.generateCredential('sk').credential;

  /**
   * @param {{port: number, key?: string}} server
   * @param {string} variant
   * @param {number} seconds
   */
  async function hammer(server, variant, seconds) {
    // Bare and raw-GET servers ignore the header; it is sent anyway so every variant gets the same bytes.
    const valid = server.key ?? invalidKey;
    const headers = { authorization: `Bearer ${valid}` };
    // Every variant sends the same bytes. For 10% invalid keys, each
    // connection loops over 10 pre-encoded requests, one with a bad key — a
    // setupRequest callback would re-encode every request in the load
    // generator, which shares the CPU with the server and would skew the ratio.
    const requests =
      variant === 'memory-10pct'
        ? Array.from({ length: 10 }, (_, i) => ({
            method: 'GET',
            path: '/hello',
            headers: { authorization: `Bearer ${i === 9 ? invalidKey : valid}` },
          }))
        : [{ method: 'GET', path: '/hello', headers }];
    const before = admin ? await commandStats(admin) : undefined;
    const cpuBefore = serverCpuSeconds(server.pid);
    const result = await autocannon({
      url: `http://127.0.0.1:${server.port}`,
      connections: CONNECTIONS,
      duration: seconds,
      requests,
    });
    const cpuAfter = serverCpuSeconds(server.pid);
    const after = admin ? await commandStats(admin) : undefined;
    const responses = result['2xx'] + result.non2xx;
    const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, Number(v.count)]));
    return {
      reqPerSec: responses / result.duration,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      responses,
      // Requests sent, including the ≤ 50 still in flight when the run stopped:
      // the server did work for those too, so Redis commands are divided by this.
      sent: result.requests.sent ?? responses,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes,
      redisCommands: before && after ? statsDelta(before, after) : undefined,
      serverCpuUsPerRequest:
        cpuBefore !== undefined && cpuAfter !== undefined ? ((cpuAfter - cpuBefore) * 1e6) / (result.requests.sent ?? responses) : undefined,
    };
  }

  const scenarios = [];
  const errors = [];
  try {
    for (const framework of FRAMEWORKS) {
      // Started together (they only load modules and listen), stopped together.
      const started = await Promise.allSettled(
        variants.map((variant) =>
          startServer({ framework, variant, redisHost: redis?.host, redisPort: redis?.port, prefix: `${prefix}${framework}:${variant}:` }),
        ),
      );
      const servers = {};
      started.forEach((s, i) => {
        if (s.status === 'fulfilled') servers[variants[i]] = s.value;
      });
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) {
        for (const server of Object.values(servers)) await stopServer(server);
        throw failed.reason;
      }
      try {
        // Warm-up answers are not checked, but kept: a failure there (a Redis timeout → 503 on a
        // loaded machine) counts against the guard's per-IP throttle and explains later 429s.
        const warmupCodes = {};
        for (const variant of variants) warmupCodes[variant] = (await hammer(servers[variant], variant, warmup)).statusCodes;
        const samples = Object.fromEntries(variants.map((v) => [v, []]));
        for (let r = 0; r < rounds; r++) {
          const order = variants.map((_, i) => variants[(i + r) % variants.length]);
          for (const variant of order) {
            const sample = await hammer(servers[variant], variant, duration);
            samples[variant].push(sample);
            const problem = check(variant, sample);
            if (problem) errors.push(`${framework}/${variant} round ${r + 1}: ${problem} (warm-up answers: ${JSON.stringify(warmupCodes[variant])})`);
          }
        }
        for (const variant of variants) {
          const s = samples[variant];
          const commands = s.map((x) => x.redisCommands).filter(Boolean);
          scenarios.push({
            framework,
            variant,
            reqPerSec: median(s.map((x) => x.reqPerSec)),
            p50Ms: median(s.map((x) => x.p50Ms)),
            p99Ms: median(s.map((x) => x.p99Ms)),
            rounds: s.map((x) => Math.round(x.reqPerSec)),
            serverCpuUsPerRequest: s.every((x) => x.serverCpuUsPerRequest !== undefined) ? median(s.map((x) => x.serverCpuUsPerRequest)) : undefined,
            statusCodes: sumCodes(s),
            redisCommandsPerRequest: commandsPerRequest(commands, s),
          });
        }
        const bare = scenarios.find((x) => x.framework === framework && x.variant === 'bare');
        console.log(
          `${framework.padEnd(9)} ${variants
            .map((v) => {
              const x = scenarios.find((y) => y.framework === framework && y.variant === v);
              return `${v} ${fmt(x.reqPerSec)}${v === 'bare' ? '' : ` (${fmt((x.reqPerSec / bare.reqPerSec) * 100, 1)}%)`}`;
            })
            .join(' | ')}`,
        );
      } finally {
        for (const server of Object.values(servers)) await stopServer(server);
      }
    }
  } finally {
    if (admin) {
      await deletePrefix(admin, prefix);
      admin.disconnect();
    }
    await redis?.stop();
  }

  const ratios = FRAMEWORKS.map((framework) => {
    const get = (v) => scenarios.find((x) => x.framework === framework && x.variant === v);
    const pairs = (a, b) => {
      const ra = get(a)?.rounds;
      const rb = get(b)?.rounds;
      return ra && rb ? median(ra.map((x, i) => x / rb[i])) : undefined;
    };
    return {
      framework,
      memoryVsBare: get('memory').reqPerSec / get('bare').reqPerSec,
      memoryVsBarePaired: pairs('memory', 'bare'),
      invalid10VsBare: get('memory-10pct').reqPerSec / get('bare').reqPerSec,
      redisVsRawGet: withRedis ? get('redis').reqPerSec / get('rawget').reqPerSec : undefined,
      redisVsRawGetPaired: withRedis ? pairs('redis', 'rawget') : undefined,
      redisVsBare: withRedis ? get('redis').reqPerSec / get('bare').reqPerSec : undefined,
      // The server's own CPU per request (from /proc): bare ÷ guarded is the
      // throughput ratio the server would reach with a core to itself — free
      // of the load generator's share of the same cores.
      memoryVsBareCpu: cpuRatio(get('bare'), get('memory')),
      // The naive guard (sha256(header) + Map.get) beside bare and beside ours.
      naiveVsBare: get('naive').reqPerSec / get('bare').reqPerSec,
      naiveVsBareCpu: cpuRatio(get('bare'), get('naive')),
      memoryVsNaive: get('memory').reqPerSec / get('naive').reqPerSec,
      memoryVsNaivePaired: pairs('memory', 'naive'),
      // Server CPU µs per request each guard adds over bare, and ours ÷ naive (≤ 1 = no dearer than naive).
      naiveExtraUs: cpuExtra(get('bare'), get('naive')),
      memoryExtraUs: cpuExtra(get('bare'), get('memory')),
      memoryOverNaiveCpu: cpuRatio(get('memory'), get('naive')),
      redisVsRawGetCpu: withRedis ? cpuRatio(get('rawget'), get('redis')) : undefined,
      redisCommandsPerVerification: withRedis ? get('redis').redisCommandsPerRequest : undefined,
      rawGetCommandsPerRequest: withRedis ? get('rawget').redisCommandsPerRequest : undefined,
    };
  });

  console.log();
  printTable(
    ['framework', 'variant', 'req/s (median)', 'server CPU µs/req', 'p50 ms', 'p99 ms', 'per round', 'status codes'],
    scenarios.map((s) => [
      s.framework,
      s.variant,
      fmt(s.reqPerSec),
      s.serverCpuUsPerRequest === undefined ? 'n/a' : fmt(s.serverCpuUsPerRequest, 1),
      fmt(s.p50Ms, 1),
      fmt(s.p99Ms, 1),
      s.rounds.map((r) => fmt(r)).join(' '),
      Object.entries(s.statusCodes)
        .map(([k, v]) => `${k}×${v}`)
        .join(' '),
    ]),
  );
  console.log();
  printTable(
    ['framework', 'naive/bare', 'by CPU', 'naive +µs CPU', 'guard/bare', 'by CPU', 'guard +µs CPU', 'guard CPU ÷ naive CPU'],
    ratios.map((r) => [
      r.framework,
      pct(r.naiveVsBare),
      pct(r.naiveVsBareCpu),
      signedUs(r.naiveExtraUs),
      pct(r.memoryVsBare),
      pct(r.memoryVsBareCpu),
      signedUs(r.memoryExtraUs),
      r.memoryOverNaiveCpu === undefined ? 'n/a' : `×${fmt(r.memoryOverNaiveCpu, 3)}`,
    ]),
  );
  console.log();
  printTable(
    ['framework', 'memory/bare', 'by CPU', '10% invalid/bare', 'redis/raw GET', 'by CPU', 'scripts/verify', 'redis commands/verify', 'redis µs/verify'],
    ratios.map((r) => {
      const c = r.redisCommandsPerVerification;
      return [
        r.framework,
        pct(r.memoryVsBare),
        pct(r.memoryVsBareCpu),
        pct(r.invalid10VsBare),
        pct(r.redisVsRawGet),
        pct(r.redisVsRawGetCpu),
        c ? fmt(c.scripts, 3) : 'n/a',
        c
          ? Object.entries(c.byCommand)
              .map(([k, v]) => `${k} ${fmt(v, 3)}`)
              .join(', ')
          : 'n/a',
        c ? fmt(c.serverUsecPerRequest, 1) : 'n/a',
      ];
    }),
  );
  console.log(`\n${NOTE}`);
  if (errors.length > 0) {
    for (const e of errors) console.error(`ERROR ${e}`);
    throw new Error(`${errors.length} HTTP scenario check(s) failed`);
  }
  return {
    mode: opts.quick ? 'quick' : 'full',
    note: NOTE,
    connections: CONNECTIONS,
    durationSeconds: duration,
    rounds,
    redis: redis ? { private: redis.private } : undefined,
    scenarios,
    ratios,
  };
}

/**
 * Server CPU seconds (user + system) of a process so far, from /proc (Linux).
 * @param {number | undefined} pid
 * @returns {number | undefined} undefined where /proc is not available
 */
function serverCpuSeconds(pid) {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * @param {{serverCpuUsPerRequest?: number} | undefined} baseline
 * @param {{serverCpuUsPerRequest?: number} | undefined} guarded
 */
function cpuRatio(baseline, guarded) {
  const a = baseline?.serverCpuUsPerRequest;
  const b = guarded?.serverCpuUsPerRequest;
  return a && b ? a / b : undefined;
}

/**
 * Server CPU µs per request that `guarded` adds over `baseline`.
 * @param {{serverCpuUsPerRequest?: number} | undefined} baseline
 * @param {{serverCpuUsPerRequest?: number} | undefined} guarded
 */
function cpuExtra(baseline, guarded) {
  const a = baseline?.serverCpuUsPerRequest;
  const b = guarded?.serverCpuUsPerRequest;
  return a && b ? b - a : undefined;
}

/** @param {number | undefined} x */
function signedUs(x) {
  return x === undefined || Number.isNaN(x) ? 'n/a' : `${x >= 0 ? '+' : '−'}${fmt(Math.abs(x), 2)} µs`;
}

/** @param {number | undefined} x */
function pct(x) {
  return x === undefined || Number.isNaN(x) ? 'n/a' : `${fmt(x * 100, 1)}%`;
}

/**
 * @param {string} variant
 * @param {{responses: number, non2xx: number, errors: number, timeouts: number, statusCodes: Record<string, number>}} s
 * @returns {string | undefined} what is wrong with the sample
 */
function check(variant, s) {
  if (s.responses === 0) return 'no responses';
  if (s.errors > 0 || s.timeouts > 0) return `${s.errors} errors, ${s.timeouts} timeouts`;
  if (variant === 'memory-10pct') {
    const share = s.non2xx / s.responses;
    const only401 = Object.keys(s.statusCodes).every((c) => c === '200' || c === '401');
    // Each connection sends its bad key every 10th request, so a connection
    // stopped mid-cycle shifts the share by up to 1 request in 10.
    const slack = 0.01 + CONNECTIONS / s.responses;
    if (Math.abs(share - 0.1) > slack || !only401) return `expected ~10% 401s, got ${JSON.stringify(s.statusCodes)}`;
    return undefined;
  }
  if (s.non2xx > 0) return `${s.non2xx} non-2xx responses ${JSON.stringify(s.statusCodes)}`;
  return undefined;
}

/** @param {Array<{statusCodes: Record<string, number>}>} samples */
function sumCodes(samples) {
  const out = {};
  for (const s of samples) for (const [k, v] of Object.entries(s.statusCodes)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/**
 * Redis commands per request over all rounds, from INFO commandstats deltas,
 * with the server CPU time they took. Scripts' inner `redis.call`s are
 * counted by Redis too: `scripts` is the number of script runs (each one
 * round trip); bench/round-trips splits top-level from inner commands exactly.
 * @param {Array<Record<string, {calls: number, usec: number}>>} deltas
 * @param {Array<{sent: number}>} samples
 */
function commandsPerRequest(deltas, samples) {
  if (deltas.length === 0) return undefined;
  const responses = samples.reduce((a, s) => a + s.sent, 0);
  const sum = {};
  for (const d of deltas) {
    for (const [k, v] of Object.entries(d)) {
      sum[k] ??= { calls: 0, usec: 0 };
      sum[k].calls += v.calls;
      sum[k].usec += v.usec;
    }
  }
  const byCommand = Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, v.calls / responses]));
  const scripts = Object.entries(byCommand)
    .filter(([k]) => SCRIPT_COMMANDS.has(k))
    .reduce((a, [, v]) => a + v, 0);
  // Server CPU per request: script commands' usec already include their inner calls. When
  // verification runs without a script (RedisStore's HGETALL path for unmetered keys), the few
  // scripts left are the coalesced lastUsedAt writes, so every command counts.
  const scriptPath = scripts >= 0.5;
  const usec = Object.entries(sum)
    .filter(([k]) => SCRIPT_COMMANDS.has(k) || !scriptPath)
    .reduce((a, [, v]) => a + v.usec, 0);
  const total = Object.values(byCommand).reduce((a, b) => a + b, 0);
  return {
    total,
    /** Round trips per request: script runs on the script path, otherwise every command. */
    topLevel: scriptPath ? scripts : total,
    scripts,
    byCommand,
    serverUsecPerRequest: usec / responses,
  };
}

await runSection(opts.out, 'http', main);
