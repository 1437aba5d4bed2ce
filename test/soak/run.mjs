// `pnpm soak` — fault and load soak: no request is answered wrongly while Redis stalls, dies or fails over.
//
//   node test/soak/run.mjs            short run (≈ 3 min, for CI): all phases, one round of each fault
//   node test/soak/run.mjs --long     ≈ 20 min: more fault rounds; writes test/soak/RESULTS.md
//   --only=single | --only=cluster | --only=postgres    one phase
//
// Each phase starts its OWN Redis (a redis-server with appendonly yes +
// appendfsync always in a temp dir, or a Cluster of 3 masters + 3 replicas),
// 3 app servers (test/soak/app.mjs: Express + apiKeyAuth, resetRoutes,
// invitationRoutes on one RedisStore) and a load generator
// (test/soak/loadgen.mjs, ≈ 100 req/s) that keeps a ledger. Faults during the
// load: SIGSTOP Redis for 3 s; SIGKILL Redis and restart it after 5 s (a
// master, in the cluster: its replica takes over; the replication probe
// measures double consumes right at that moment); SIGKILL one app server and
// restart it. At the end the ledger, the fault timeline, the apps' memory
// and a TTL scan of every key become the invariant table (lib/invariants.mjs).
// The Postgres phase runs the same load on PostgresStore against a private
// PostgreSQL cluster (initdb in a temp dir; skipped without the server
// binaries) with: every app backend killed (pg_terminate_backend), PostgreSQL
// stopped (-m immediate) and restarted after 5 s, an app server SIGKILLed.
// Exit code 1 when any invariant breaks. Logs and raw ledgers:
// test/soak/out/<run>/ (git-ignored).
//
// Every process is stopped by PID in finally blocks and on SIGINT/SIGTERM;
// children exit by themselves when this process dies (IPC disconnect), and
// redis-servers have the helper's watchdog.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { HELPER_COPY, loadRedisHelper } from './lib/helper.mjs';
import { evaluate, RECOVERY_LIMIT_MS } from './lib/invariants.mjs';
import { ROOT } from './lib/paths.mjs';
import { children, Fleet, killChild, LoadGenerator } from './lib/processes.mjs';
import { isMaster, shardOf, waitPromoted, waitSettled } from './lib/cluster.mjs';
import { ReplicationProbe } from './lib/probe.mjs';
import { PrivatePostgres, postgresBinDir } from './lib/postgres.mjs';

const args = process.argv.slice(2);
const LONG = args.includes('--long');
const ONLY = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const SECRET = `soak-secret-${randomBytes(16).toString('hex')}`;
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const STORE_TIMEOUT_MS = 1000;
// WAIT budget of the cluster's app servers: 100 ms is plenty on an idle machine (p50 ≈ 1 ms),
// 250 ms leaves room for the shared, busy CI cores without weakening the guarantee.
const WAIT_FOR_REPLICAS = { replicas: 1, timeoutMs: 250 };
const MEMORY_LIMITS = { heap: 24 * 1048576, rss: 96 * 1048576 };
const PREFIX = 'soak:';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...parts) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}]`, ...parts);

/** Fault rounds and pauses. Short: one round of each fault; long: rounds until the phase's budget is used. */
const PLAN = LONG
  ? { warmupMs: 10_000, gapMs: 15_000, single: { phaseMs: 7.5 * 60_000 }, cluster: { phaseMs: 8.5 * 60_000 }, postgres: { phaseMs: 5 * 60_000 } }
  : { warmupMs: 8_000, gapMs: 8_000, single: { phaseMs: 0 }, cluster: { phaseMs: 0 }, postgres: { phaseMs: 0 } };

const runId = new Date().toISOString().replace(/[:.]/g, '-');
const OUT = join(ROOT, 'test/soak/out', runId);

// ---------------------------------------------------------------- cleanup

const disposers = [];
let cleaningUp = false;
async function cleanup() {
  if (cleaningUp) return;
  cleaningUp = true;
  await Promise.allSettled([...children].map((child) => killChild(child)));
  await Promise.allSettled(disposers.splice(0).map((dispose) => dispose()));
  rmSync(HELPER_COPY, { force: true });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping every process this run started`);
    cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------- build

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The processes run packages/*\/dist (as an installed app would): rebuild what is missing or stale. */
function ensureBuilt() {
  for (const pkg of ['core', 'redis', 'express', 'postgres']) {
    const dist = join(ROOT, 'packages', pkg, 'dist', 'index.js');
    if (existsSync(dist) && statSync(dist).mtimeMs >= newestMtime(join(ROOT, 'packages', pkg, 'src'))) continue;
    log(`packages/${pkg}/dist is missing or stale: building it`);
    const result = spawnSync('pnpm', ['--filter', `@tokenkit/${pkg}`, 'run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`pnpm --filter @tokenkit/${pkg} run build failed`);
  }
}

// ---------------------------------------------------------------- measurements

/** Every key of the soak prefix with its TTL: only non-expiring API keys and their owner index may lack one. */
async function ttlAudit(client, appPrefix) {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const result = { checked: 0, noTtl: 0, violations: [] };
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 500);
      cursor = next;
      if (batch.length === 0) continue;
      const pipeline = node.pipeline();
      for (const key of batch) pipeline.pttl(key);
      const ttls = await pipeline.exec();
      for (let i = 0; i < batch.length; i++) {
        const key = batch[i];
        const ttl = Number(ttls[i][1]);
        if (ttl === -2) continue; // expired between SCAN and PTTL
        result.checked++;
        if (ttl !== -1) continue;
        result.noTtl++;
        if (key.startsWith(`${appPrefix}ix:key:{`)) continue;
        if (key.startsWith(`${appPrefix}key:{`) && (await node.hget(key, 'expiresAt')) === 'null') continue;
        result.violations.push(key);
      }
    } while (cursor !== '0');
  }
  return result;
}

async function memorySnapshot(fleet, index) {
  const { rss, heapUsed } = await fleet.memory(index);
  return { rss, heapUsed };
}

// ---------------------------------------------------------------- what every phase does the same way

/** Waits for the seeded load, lets it warm up and takes each app's memory baseline. */
async function startLoad(loadgen, fleet) {
  await loadgen.seeded();
  const loadStart = Date.now();
  log('load running (≈ 100 req/s)');
  await sleep(PLAN.warmupMs);
  const memory = await Promise.all(fleet.apps.map(async (app, i) => ({ name: app.name, restarted: false, before: await memorySnapshot(fleet, i) })));
  return { loadStart, memory };
}

/** After a store crash: checks the credentials issued before `start` and logs what became of them. */
async function sweepAfterCrash(loadgen, label, start, fault) {
  const swept = await loadgen.sweep(label, start);
  log(`  sweep: ${swept.checked} issued before the ${fault} checked: ${swept.ok} ok, ${swept.lost.length} lost, ${swept.resurrected.length} resurrected, ${swept.unreachable.length} unreachable`);
}

/**
 * The pause after a fault: at least the planned gap, and on until the load generator has seen
 * verifications and issuing back to normal. Recovery is judged on the requests sent before the next
 * fault, and issuing is sparse (a few per second, a third of them to one app server), so a fixed gap
 * can end before there is enough of a sample to show it; this waits for the condition instead. It
 * gives up past the limit, and the recovery invariant then reports the failure.
 */
async function pauseAfterFault(loadgen, fault) {
  await sleep(PLAN.gapMs);
  const gapEnd = Date.now();
  const deadline = fault.recoveredAt + RECOVERY_LIMIT_MS + 5000;
  for (;;) {
    const seen = await loadgen.recovery(fault);
    if (seen.verify !== null && seen.write !== null) break;
    if (Date.now() > deadline) {
      log(`  ${fault.label}: no recovery seen ${((Date.now() - fault.recoveredAt) / 1000).toFixed(1)} s after it; going on`);
      return;
    }
    await sleep(250);
  }
  if (Date.now() - gapEnd > 500) log(`  ${fault.label}: waited ${((Date.now() - gapEnd) / 1000).toFixed(1)} s more for recovery to show in the load`);
}

/** The last fault of every round: SIGKILL app-2, restart it after 2 s; its memory baseline starts again. */
async function crashAppServer(fleet, loadgen, timeline, memory, tag) {
  const start = Date.now();
  await fleet.kill(1);
  await sleep(2000);
  await fleet.restart(1);
  const restartDone = Date.now();
  timeline.push({ type: 'app-kill', label: `SIGKILL app-2${tag}`, server: 1, start, restartDone, recoveredAt: restartDone });
  log(`app${tag}: SIGKILL app-2, restarted after 2 s`);
  await pauseAfterFault(loadgen, timeline.at(-1));
  memory[1] = { name: fleet.apps[1].name, restarted: true, before: await memorySnapshot(fleet, 1) };
}

/** Stops the load (the load generator's final sweep) and takes each app's memory again. */
async function stopLoad(loadgen, fleet, memory) {
  const loadEnd = Date.now();
  log('stopping the load; final sweep');
  const done = await loadgen.stop();
  for (let i = 0; i < 3; i++) {
    memory[i].after = await memorySnapshot(fleet, i);
    memory[i].heapGrowth = memory[i].after.heapUsed - memory[i].before.heapUsed;
    memory[i].rssGrowth = memory[i].after.rss - memory[i].before.rss;
  }
  return { loadEnd, done };
}

/**
 * Stops the app servers, evaluates the invariants over the phase's ledger and
 * writes <dir>/summary.json.
 * @param {object} phase - mode, timeline, loadStart, loadEnd, done, memory, ttl, probes, waitForReplicas (cluster)
 */
async function evaluatePhase(dir, fleet, { mode, timeline, loadStart, loadEnd, done, memory, ttl, probes, waitForReplicas }) {
  const crashes = [...fleet.crashes];
  await fleet.stop();

  const items = JSON.parse(readFileSync(join(dir, 'items.json'), 'utf8'));
  const ledger = readFileSync(join(dir, 'ledger.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  const summary = {
    mode,
    storeTimeoutMs: STORE_TIMEOUT_MS,
    timeline,
    loadStart,
    loadEnd,
    ledger,
    items,
    memory,
    memoryLimits: MEMORY_LIMITS,
    crashes,
    ttl,
    probes,
    waitForReplicas,
  };
  const rows = evaluate(summary);
  const stats = {
    requests: done.requests,
    skipped: done.skipped,
    seconds: (loadEnd - loadStart) / 1000,
    byKind: tally(ledger),
    probes,
    timeline,
  };
  writeFileSync(join(dir, 'summary.json'), JSON.stringify({ rows, stats, ttl: { ...ttl, violations: ttl.violations.slice(0, 50) } }, null, 2));
  return { mode, rows, stats };
}

// ---------------------------------------------------------------- phases

/**
 * One soak phase against `target` (single redis-server or Cluster).
 * @param {'single'|'cluster'} mode
 */
async function phase(mode, helper) {
  const dir = join(OUT, mode);
  mkdirSync(dir, { recursive: true });
  const appPrefix = `${PREFIX}app:`;
  const timeline = [];
  const probes = [];
  let redis;
  let cluster;
  let fleet;
  let loadgen;
  let client;
  let probe;
  try {
    // -- Redis
    if (mode === 'single') {
      redis = await helper.RedisServer.start({ appendonly: true, args: ['--maxmemory-policy', 'noeviction'] });
      disposers.push(() => redis.dispose());
      log(`single redis-server on port ${redis.port} (appendonly yes, appendfsync always, dir ${redis.dir})`);
    } else {
      cluster = await helper.RedisCluster.start({
        masters: 3,
        replicasPerMaster: 1,
        nodeTimeoutMs: 2000,
        // A replica may take over however long its link was down (the probe drops it on purpose).
        args: ['--cluster-replica-validity-factor', '0', '--maxmemory-policy', 'noeviction'],
      });
      disposers.push(() => cluster.dispose());
      await waitSettled(cluster);
      log(`cluster of 3 masters + 3 replicas on ports ${cluster.nodes.map((n) => n.port).join(', ')} (cluster-node-timeout 2000 ms)`);
    }
    const target = mode === 'single' ? { mode, url: redis.url } : { mode, nodes: cluster.startupNodes };

    // -- apps and load
    fleet = new Fleet({
      dir,
      redis: target,
      prefix: appPrefix,
      secret: SECRET,
      adminToken: ADMIN_TOKEN,
      storeTimeoutMs: STORE_TIMEOUT_MS,
      ...(mode === 'cluster' ? { waitForReplicas: WAIT_FOR_REPLICAS } : {}),
    });
    await fleet.start();
    disposers.push(() => fleet.stop());
    log(`3 app servers: ${fleet.apps.map((a) => a.url).join(' ')}${mode === 'cluster' ? ` (waitForReplicas ${JSON.stringify(WAIT_FOR_REPLICAS)})` : ''}`);
    loadgen = new LoadGenerator({ dir, servers: fleet.apps.map((a) => ({ name: a.name, url: a.url })), adminToken: ADMIN_TOKEN });
    const { loadStart, memory } = await startLoad(loadgen, fleet);

    if (mode === 'cluster') {
      probe = await ReplicationProbe.open(cluster.startupNodes, `${PREFIX}probe:`, SECRET, { replicas: 1, timeoutMs: 100 });
    }
    const budgetEnd = loadStart + PLAN[mode].phaseMs;
    let round = 0;
    do {
      round++;
      const tag = PLAN[mode].phaseMs > 0 ? ` #${round}` : '';
      // -- 1. stall: SIGSTOP for 3 s
      if (mode === 'single') {
        const start = Date.now();
        await redis.pause();
        await sleep(3000);
        await redis.resume();
        const end = Date.now();
        timeline.push({ type: 'stall', label: `SIGSTOP 3 s${tag}`, start, end, recoveredAt: end });
        log(`stall${tag}: SIGSTOP redis for 3 s`);
      } else {
        const masters = await cluster.masters();
        const victim = masters[round % masters.length];
        const { replica, slots } = await shardOf(cluster, victim);
        const start = Date.now();
        await victim.pause();
        // Watch for the replica taking over (3 s > cluster-node-timeout): from then on requests may be answered.
        let promotedAt;
        let replicaUntil;
        while (Date.now() < start + 3000) {
          const sent = Date.now();
          if (promotedAt === undefined && replica) {
            if (await isMaster(replica)) promotedAt = Date.now();
            else replicaUntil = sent;
          }
          await sleep(50);
        }
        await victim.resume();
        const end = Date.now();
        await waitSettled(cluster, 60_000);
        const recoveredAt = Date.now();
        // Verifications can succeed again once the master continues (or its replica took over); confirmed
        // writes need every shard to have an acknowledging replica again.
        timeline.push({
          type: 'stall',
          label: `SIGSTOP master 3 s${tag}`,
          start,
          end,
          promotedAt,
          replicaUntil,
          slots,
          verifyRecoveredAt: end,
          recoveredAt,
        });
        log(`stall${tag}: SIGSTOP master :${victim.port} for 3 s${promotedAt ? `, its replica took over after ${promotedAt - start} ms` : ''}; settled after ${recoveredAt - end} ms`);
      }
      await pauseAfterFault(loadgen, timeline.at(-1));

      // -- 2. crash Redis / a master
      if (mode === 'single') {
        await redis.kill('SIGKILL');
        const start = Date.now();
        await sleep(5000);
        const restartBegin = Date.now();
        await redis.restart();
        const restartDone = Date.now();
        timeline.push({ type: 'redis-kill', label: `SIGKILL + restart after 5 s${tag}`, start, restartBegin, restartDone, recoveredAt: restartDone });
        log(`crash${tag}: SIGKILL redis, restarted after 5 s (AOF loaded in ${restartDone - restartBegin} ms)`);
        await sweepAfterCrash(loadgen, `after restart${tag}`, start, 'kill');
      } else {
        const masters = await cluster.masters();
        const victim = masters[(round + 1) % masters.length];
        const { replica, slots } = await shardOf(cluster, victim);
        const probeMode = round % 2 === 1 ? 'widened' : 'natural';
        const prepared = await probe.prepare(victim, 45);
        const start = await probe.consumeAndKill(victim, replica, probeMode);
        const { promotedAt, replicaUntil } = await waitPromoted(replica);
        await probe.secondAttempts();
        probes.push({ mode: probeMode, result: probe.summary() });
        await sleep(Math.max(0, start + 5000 - Date.now()));
        await victim.restart();
        const restartDone = Date.now();
        await waitSettled(cluster, 60_000);
        const recoveredAt = Date.now();
        timeline.push({
          type: 'master-kill',
          label: `SIGKILL master${tag}`,
          start,
          replicaUntil,
          promotedAt,
          restartDone,
          slots,
          verifyRecoveredAt: promotedAt,
          recoveredAt,
        });
        const s = probes.at(-1).result;
        log(
          `crash${tag}: SIGKILL master :${victim.port} (${probeMode} probe, ${prepared} credentials on it), replica promoted after ${promotedAt - start} ms, ` +
            `old master back as replica and synced after ${recoveredAt - start} ms; probe: without WAIT ${s.plain.doubles}/${s.plain.acknowledged} used twice, ` +
            `with WAIT ${s.safe.doubles}/${s.safe.acknowledged}; first attempts without WAIT ${JSON.stringify(s.plain.firsts)}, ` +
            `with ${JSON.stringify(s.safe.firsts)}; store errors ${JSON.stringify(s.unavailable)}`,
        );
        await sweepAfterCrash(loadgen, `after failover${tag}`, start, 'kill');
      }
      await pauseAfterFault(loadgen, timeline.at(-1));

      // -- 3. crash an app server
      await crashAppServer(fleet, loadgen, timeline, memory, tag);
    } while (Date.now() < budgetEnd - 60_000);

    // -- end of load
    const { loadEnd, done } = await stopLoad(loadgen, fleet, memory);
    client =
      mode === 'single'
        ? new Redis(redis.url, { maxRetriesPerRequest: 1 })
        : new Cluster(cluster.startupNodes, { redisOptions: { maxRetriesPerRequest: 1 } });
    client.on('error', () => {});
    if (client.status !== 'ready') await once(client, 'ready');
    const ttl = await ttlAudit(client, appPrefix);
    const waitForReplicas = mode === 'cluster' ? WAIT_FOR_REPLICAS : undefined;
    return await evaluatePhase(dir, fleet, { mode, timeline, loadStart, loadEnd, done, memory, ttl, probes, waitForReplicas });
  } finally {
    await probe?.close().catch(() => {});
    client?.disconnect();
    if (loadgen) await killChild(loadgen.child);
    await fleet?.stop().catch(() => {});
    await redis?.dispose().catch(() => {});
    await cluster?.dispose().catch(() => {});
  }
}

/** Rows of the soak schema: only non-expiring API keys and their owner index may lack an expires_at. */
async function postgresTtlAudit(pool, schema) {
  const violations = [];
  let checked = 0;
  let noTtl = 0;
  const tables = [
    ['records', "ns, id, data->>'expiresAt' AS record_expires"],
    ['subjects', 'ns, subject, id, NULL AS record_expires'],
    ['counters', 'ns, key AS id, NULL AS record_expires'],
  ];
  for (const [table, columns] of tables) {
    const { rows } = await pool.query(`SELECT ${columns}, expires_at FROM "${schema}".${table}`);
    for (const row of rows) {
      checked++;
      if (row.expires_at !== null) continue;
      noTtl++;
      // API keys without expiresAt (and the owner → keys index) are kept until revoked and deleted.
      const nonExpiringKey = row.ns === 'key' && (table === 'subjects' || row.record_expires === null);
      if (!nonExpiringKey) violations.push(`${table} ${row.ns}/${row.id ?? row.subject}`);
    }
  }
  return { checked, noTtl, violations };
}

/**
 * The Postgres phase: a private PostgreSQL cluster, 3 app servers on
 * PostgresStore (each migrating at start-up), the same load, and as faults:
 * every app backend killed mid-load (pg_terminate_backend), PostgreSQL
 * stopped (-m immediate) and restarted after 5 s, an app server SIGKILLed.
 */
async function postgresPhase() {
  const mode = 'postgres';
  const dir = join(OUT, mode);
  mkdirSync(dir, { recursive: true });
  const timeline = [];
  let server;
  let fleet;
  let loadgen;
  let admin;
  const schema = 'soak';
  try {
    server = await PrivatePostgres.start();
    disposers.push(() => server.dispose());
    log(`private PostgreSQL on port ${server.port} (dir ${server.dir})`);
    const { default: pg } = await import('pg');
    admin = new pg.Pool({ connectionString: server.url, max: 1 });
    admin.on('error', () => {});

    fleet = new Fleet({ dir, postgres: { url: server.url, schema }, secret: SECRET, adminToken: ADMIN_TOKEN, storeTimeoutMs: STORE_TIMEOUT_MS });
    await fleet.start();
    disposers.push(() => fleet.stop());
    log(`3 app servers on PostgresStore (schema "${schema}", migrated by all three at once): ${fleet.apps.map((a) => a.url).join(' ')}`);
    loadgen = new LoadGenerator({ dir, servers: fleet.apps.map((a) => ({ name: a.name, url: a.url })), adminToken: ADMIN_TOKEN });
    const { loadStart, memory } = await startLoad(loadgen, fleet);

    const budgetEnd = loadStart + PLAN.postgres.phaseMs;
    let round = 0;
    do {
      round++;
      const tag = PLAN.postgres.phaseMs > 0 ? ` #${round}` : '';
      // -- 1. every app backend killed mid-load
      {
        const start = Date.now();
        const { rows } = await admin.query(
          "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name LIKE 'soak-app-%'",
        );
        const end = Date.now();
        timeline.push({ type: 'backend-kill', label: `pg_terminate_backend of every app connection${tag}`, start, end, recoveredAt: end });
        log(`backends${tag}: terminated ${rows[0].n} app connections`);
      }
      await pauseAfterFault(loadgen, timeline.at(-1));

      // -- 2. PostgreSQL stopped (a crash) and restarted after 5 s
      {
        await admin.end();
        server.stop();
        const start = Date.now();
        await sleep(5000);
        const restartBegin = Date.now();
        server.startServer();
        const restartDone = Date.now();
        admin = new pg.Pool({ connectionString: server.url, max: 1 });
        admin.on('error', () => {});
        timeline.push({ type: 'postgres-stop', label: `PostgreSQL stop -m immediate + restart after 5 s${tag}`, start, restartBegin, restartDone, recoveredAt: restartDone });
        log(`crash${tag}: PostgreSQL stopped (-m immediate), restarted after 5 s (recovery took ${restartDone - restartBegin} ms)`);
        await sweepAfterCrash(loadgen, `after restart${tag}`, start, 'stop');
      }
      await pauseAfterFault(loadgen, timeline.at(-1));

      // -- 3. crash an app server
      await crashAppServer(fleet, loadgen, timeline, memory, tag);
    } while (Date.now() < budgetEnd - 60_000);

    const { loadEnd, done } = await stopLoad(loadgen, fleet, memory);
    const ttl = await postgresTtlAudit(admin, schema);
    return await evaluatePhase(dir, fleet, { mode, timeline, loadStart, loadEnd, done, memory, ttl, probes: [] });
  } finally {
    await admin?.end().catch(() => {});
    if (loadgen) await killChild(loadgen.child);
    await fleet?.stop().catch(() => {});
    server?.dispose();
  }
}

/** Requests per kind and status, e.g. { 'key.valid': { 200: 4000, 503: 80 } }. */
function tally(ledger) {
  const out = {};
  for (const [, , kind, , status] of ledger) {
    out[kind] ??= {};
    out[kind][status] = (out[kind][status] ?? 0) + 1;
  }
  return out;
}

// ---------------------------------------------------------------- report

function table(result) {
  const lines = ['| invariant | result | detail |', '|---|---|---|'];
  for (const row of result.rows) {
    const mark = row.ok === null ? 'measured' : row.ok ? 'PASS' : '**FAIL**';
    lines.push(`| ${row.name} | ${mark} | ${row.detail.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n');
}

function trafficTable(result) {
  const lines = ['| request | answers |', '|---|---|'];
  for (const [kind, counts] of Object.entries(result.stats.byKind).sort()) {
    const parts = Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([status, n]) => `${n} × ${status === '0' ? 'conn. refused' : status === '-1' ? 'timeout' : status}`);
    lines.push(`| ${kind} | ${parts.join(', ')} |`);
  }
  return lines.join('\n');
}

/** "5 × SIGSTOP 3 s, 5 × SIGKILL + restart after 5 s, …" */
function faultList(timeline) {
  const counts = new Map();
  for (const e of timeline) {
    const kind = e.label.replace(/ #\d+$/, '');
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts.entries()].map(([kind, n]) => `${n} × ${kind}`).join(', ');
}

function redisVersion() {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return /v=(\S+)/.exec(r.stdout ?? '')?.[1] ?? 'unknown';
}

function resultsMarkdown(results, startedAt, loadBefore) {
  const minutes = ((Date.now() - startedAt) / 60_000).toFixed(1);
  const out = [
    '# Soak results (`pnpm soak --long`)',
    '',
    'Generated by `node test/soak/run.mjs --long`; do not edit by hand. What runs and why: see the header of',
    '`test/soak/run.mjs`; the checks: `test/soak/lib/invariants.mjs`.',
    '',
    `- Date: ${new Date(startedAt).toISOString()}, total ${minutes} min`,
    `- Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores (shared with other work: load average ${loadBefore} at the start), Node ${process.version}, redis-server ${redisVersion()}`,
    '- Load: ≈ 100 req/s from one load-generator process over 3 Express app servers; store timeout 1000 ms',
    '',
  ];
  for (const result of results) {
    out.push(
      `## ${
        result.mode === 'single'
          ? 'Single redis-server (appendonly yes, appendfsync always)'
          : result.mode === 'postgres'
            ? 'PostgreSQL (private cluster), PostgresStore'
            : 'Redis Cluster, 3 masters + 3 replicas (cluster-node-timeout 2000 ms)'
      }`,
      '',
      `${result.stats.requests.toLocaleString('en-US')} requests in ${result.stats.seconds.toFixed(0)} s of load; faults: ${faultList(result.stats.timeline)}.`,
      '',
      table(result),
      '',
      '<details><summary>Requests by kind and answer</summary>',
      '',
      trafficTable(result),
      '',
      '</details>',
      '',
    );
  }
  return out.join('\n');
}

// ---------------------------------------------------------------- main

async function main() {
  const startedAt = Date.now();
  const loadBefore = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  ensureBuilt();
  mkdirSync(OUT, { recursive: true });
  // Keep the logs and ledgers of the last few runs only.
  const runs = readdirSync(join(ROOT, 'test/soak/out'))
    .filter((name) => /^\d{4}-\d\d-\d\dT/.test(name))
    .sort();
  for (const old of runs.slice(0, -5)) rmSync(join(ROOT, 'test/soak/out', old), { recursive: true, force: true });
  const helper = await loadRedisHelper();
  log(`${LONG ? 'long' : 'short'} soak, logs in ${OUT}`);
  const results = [];
  for (const mode of ['single', 'cluster', 'postgres']) {
    if (ONLY && ONLY !== mode) continue;
    if (mode === 'postgres' && postgresBinDir() === null) {
      log('== phase: postgres skipped (no PostgreSQL server binaries: apt-get install postgresql)');
      continue;
    }
    log(`== phase: ${mode}`);
    results.push(mode === 'postgres' ? await postgresPhase() : await phase(mode, helper));
  }
  let failed = 0;
  for (const result of results) {
    console.log(`\n## ${result.mode} (${result.stats.requests} requests in ${result.stats.seconds.toFixed(0)} s)\n`);
    console.log(table(result));
    failed += result.rows.filter((r) => r.ok === false).length;
  }
  console.log(`\n${failed === 0 ? 'all invariants hold' : `${failed} invariant(s) broken`} — ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
  if (LONG && !ONLY) {
    writeFileSync(join(ROOT, 'test/soak/RESULTS.md'), resultsMarkdown(results, startedAt, loadBefore));
    log('wrote test/soak/RESULTS.md');
  }
  return failed === 0 ? 0 : 1;
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (err) => {
    console.error('[soak] failed:', err);
    await cleanup();
    process.exit(2);
  });
