// Turns one soak phase's ledger (every request the load generator sent),
// its items (every credential it was told was issued, and the sweeps), the
// fault timeline and the runner's own measurements into invariant rows:
// { name, ok: boolean | null (informational), detail }.
import { inRanges, slotOfTag } from './cluster.mjs';

const GUARDED_STORE_KINDS = new Set(['key.valid', 'key.revoked', 'key.expired', 'key.edge', 'key.invalid.unknown', 'key.invalid.secret']);
const INVALID_KINDS = new Set(['key.invalid.malformed', 'key.invalid.checksum', 'key.invalid.unknown', 'key.invalid.secret']);
const ADMIN_WRITES = new Set(['admin.key', 'admin.reset', 'admin.invite']);
/** RedisStore's client-side cache trust lease (300 ms after the last PONG) plus one 100 ms heartbeat and slack. */
const CLIENT_CACHE_LEASE_MS = 600;
/** Slack on top of the store timeout for a 503 to reach the client on a busy 2-core machine. */
const LATENCY_SLACK_MS = 1000;
export const RECOVERY_LIMIT_MS = 10_000;

/** Ledger record → object. */
export function toRequest([t0, t1, kind, server, status, retryAfter, id]) {
  return { t0, t1, kind, server, status, retryAfter: retryAfter === 1, id };
}

const is2xx = (status) => status >= 200 && status < 300;
const fmt = (n) => n.toLocaleString('en-US');
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Strict outage windows: requests sent after the fault began and answered
 * while Redis (or the shard holding the key) could not have answered them
 * must have been refused — 503 (or 429 from the in-memory throttle) with
 * Retry-After, never 200/401:
 *  - stall (SIGSTOP): answered before SIGCONT and before a replica took over;
 *  - Redis SIGKILL: answered before the restart began;
 *  - master SIGKILL: answered before the replica was last seen still a replica.
 * A request sent during the fault but answered later may legitimately have
 * been served by the recovered or promoted node.
 * @returns {Array<{label: string, from: number, answeredBy: number, slots: Array<[number, number]> | null, start: number, end: number}>}
 */
export function outageWindows(timeline) {
  const windows = [];
  for (const e of timeline) {
    const slots = e.slots ?? null;
    if (e.type === 'stall') {
      const answerable = e.promotedAt === undefined ? e.end : Math.min(e.end, e.replicaUntil ?? e.start);
      windows.push({ label: e.label, from: e.start + 100, answeredBy: answerable, slots, start: e.start, end: e.end });
    } else if (e.type === 'redis-kill' || e.type === 'postgres-stop') {
      windows.push({ label: e.label, from: e.start + 100, answeredBy: e.restartBegin, slots, start: e.start, end: e.restartDone });
    } else if (e.type === 'master-kill') {
      windows.push({ label: e.label, from: e.start + 100, answeredBy: e.replicaUntil, slots, start: e.start, end: e.promotedAt });
    }
  }
  return windows;
}

/** Whether a guarded request for record id `id` depends on the node(s) a window takes down. */
function affected(window, id) {
  if (!window.slots) return true;
  return id !== '' && inRanges(slotOfTag(id), window.slots);
}

/**
 * Time from `at` until success is back: the first 2 s window (3 s for the
 * sparse admin writes) with enough requests and ≥ `threshold` of them successful.
 * @returns {number | null} ms, or null when it never recovered before `until`
 */
export function recoveryLatency(requests, at, until, { success, threshold, windowMs, minCount }) {
  const sorted = requests.filter((r) => r.t0 >= at && r.t0 < until).sort((a, b) => a.t0 - b.t0);
  // Only whole windows: a window cut short by `until` holds too few requests to say anything, and the
  // runner's live check (which stops at the oldest unanswered request) must agree with the final one.
  for (let start = at; start + windowMs <= until && start <= at + 60_000; start += 250) {
    const inWindow = sorted.filter((r) => r.t0 >= start && r.t0 < start + windowMs);
    if (inWindow.length < minCount) continue;
    if (inWindow.filter(success).length / inWindow.length >= threshold) return start - at;
  }
  return null;
}

/**
 * How long after a fault verifications and issuing were back to normal, judged on the requests sent
 * before `until`. Verifications count from when the store could answer again (SIGCONT, restart,
 * promotion), issuing from when the topology was whole again (in the cluster: every shard with an
 * acknowledging replica, which confirmed writes need). After an app-server kill only the requests
 * sent to that server count. The runner asks the same question of the live ledger to know when to
 * go on, so both use this one function.
 * @param {Array<object>} requests - ledger records as objects (see toRequest)
 * @param {object} fault - a timeline event with a recoveredAt
 * @param {number} until
 * @returns {{verify: number | null, write: number | null, verifyFrom: number, writeFrom: number}}
 */
export function recoveryAfter(requests, fault, until) {
  const verifyAt = fault.verifyRecoveredAt ?? fault.recoveredAt;
  const inScope = (r) => fault.type !== 'app-kill' || r.server === fault.server;
  const verifies = requests.filter((r) => r.kind === 'key.valid' && inScope(r));
  const writes = requests.filter((r) => ADMIN_WRITES.has(r.kind) && inScope(r));
  return {
    verify: recoveryLatency(verifies, verifyAt, until, { success: (r) => r.status === 200, threshold: 0.95, windowMs: 2000, minCount: 5 }),
    write: recoveryLatency(writes, fault.recoveredAt, until, { success: (r) => r.status === 201, threshold: 0.9, windowMs: 3000, minCount: 3 }),
    verifyFrom: verifyAt - fault.start,
    writeFrom: fault.recoveredAt - fault.start,
  };
}

/**
 * @param {object} phase
 * @param {'single'|'cluster'|'postgres'} phase.mode
 * @param {number} phase.storeTimeoutMs
 * @param {Array<object>} phase.timeline - fault events
 * @param {number} phase.loadEnd - when the runner stopped the load
 * @param {Array<Array>} phase.ledger - raw ledger records
 * @param {object} phase.items - loadgen items.json
 * @param {Array<object>} phase.memory - per server { name, before, after, restarted }
 * @param {Array<string>} phase.crashes - unexpected app exits
 * @param {{checked: number, noTtl: number, violations: string[]}} phase.ttl
 * @param {Array<object>} phase.probes - replication probe summaries (cluster)
 * @param {boolean} phase.waitForReplicas - whether the app servers confirm writes with WAIT
 * @returns {Array<{name: string, ok: boolean | null, detail: string}>}
 */
export function evaluate(phase) {
  const rows = [];
  const add = (name, ok, detail) => rows.push({ name, ok, detail });
  const requests = phase.ledger.map(toRequest);
  const byKind = (kinds) => requests.filter((r) => kinds.has(r.kind));

  // 1–3: nothing unverified gets through, at any time.
  const invalid = byKind(INVALID_KINDS);
  const invalidOk = invalid.filter((r) => is2xx(r.status));
  add('no 2xx for an invalid key', invalidOk.length === 0, `${fmt(invalid.length)} requests (malformed, bad checksum, unknown id, wrong secret), ${invalidOk.length} answered 2xx`);
  const revoked = requests.filter((r) => r.kind === 'key.revoked');
  const revokedOk = revoked.filter((r) => is2xx(r.status));
  add('no 2xx for a revoked key', revokedOk.length === 0, `${fmt(revoked.length)} requests sent after the revoke was acknowledged, ${revokedOk.length} answered 2xx`);
  const expired = requests.filter((r) => r.kind === 'key.expired');
  const expiredOk = expired.filter((r) => is2xx(r.status));
  add('no 2xx for an expired key', expiredOk.length === 0, `${fmt(expired.length)} requests sent at/after expiresAt, ${expiredOk.length} answered 2xx`);

  // 4: fail closed during outages.
  const windows = outageWindows(phase.timeline);
  const guarded = byKind(GUARDED_STORE_KINDS);
  const inOutage = guarded.filter((r) => windows.some((w) => r.t0 >= w.from && r.t1 <= w.answeredBy && affected(w, r.id)));
  const closed = (r) => (r.status === 503 || r.status === 429) && r.retryAfter;
  // RedisStore answers a recently verified unmetered key from its client-side cache for as long as
  // every invalidation connection answered a PING within the trust lease; a stalled or killed node
  // ends that lease, after which the key goes to Redis and fails closed. Within the lease (plus one
  // heartbeat) after the fault began, the cache gives the right answer without Redis: 200 for a valid
  // key, and 401 for a wrong secret on a cached key id (the failure counter lives on another node).
  // That is the cache, not a failure to close; a wrong answer (401 for a valid key, 2xx for any other)
  // still counts, as does any cached answer after the lease.
  // (A key within 2 s of its expiry, key.edge, may rightly get either. An unknown id is never cached,
  // so its refusal during an outage can only be a failure to close.)
  const refused = (r) => r.status === 401 || r.status === 403;
  const rightAnswer = (r) =>
    r.kind === 'key.valid'
      ? r.status === 200
      : r.kind === 'key.edge'
        ? r.status === 200 || refused(r)
        : r.kind !== 'key.invalid.unknown' && refused(r);
  const fromLease = (r) =>
    phase.mode !== 'postgres' &&
    rightAnswer(r) &&
    windows.some((w) => r.t0 >= w.from && r.t1 <= w.start + CLIENT_CACHE_LEASE_MS && affected(w, r.id));
  const leased = inOutage.filter(fromLease);
  const notClosed = inOutage.filter((r) => !closed(r) && !fromLease(r));
  const statusCounts = countBy(inOutage, (r) => r.status);
  add(
    'during an outage: 503 + Retry-After, never 200/401',
    notClosed.length === 0 && inOutage.length > 0,
    `${fmt(inOutage.length)} guarded requests needing the down node in ${windows.length} outage windows: ${formatCounts(statusCounts)}` +
      (leased.length ? ` (${formatCounts(countBy(leased, (r) => `${r.kind} ${r.status}`))} answered from the client-side cache within ${CLIENT_CACHE_LEASE_MS} ms of the fault)` : '') +
      (notClosed.length ? `; violations: ${notClosed.slice(0, 5).map((r) => `${r.kind} ${r.status}${r.retryAfter ? '' : ' (no Retry-After)'}`).join(', ')}` : ''),
  );
  // The guard makes one store call for a valid key and two for a refusal (the verification, then the
  // per-IP failure counter), each bounded by the store timeout.
  const duringAny = guarded.filter((r) => windows.some((w) => r.t0 >= w.start && r.t0 <= w.end));
  const slowest = (list) => list.reduce((m, r) => Math.max(m, r.t1 - r.t0), 0);
  const slowValid = slowest(duringAny.filter((r) => r.kind === 'key.valid'));
  const slowRefused = slowest(duringAny.filter((r) => r.kind !== 'key.valid'));
  const validLimit = phase.storeTimeoutMs + LATENCY_SLACK_MS;
  const refusedLimit = 2 * phase.storeTimeoutMs + LATENCY_SLACK_MS;
  add(
    'outage answers within the store timeout (no hang)',
    slowValid <= validLimit && slowRefused <= refusedLimit && duringAny.length > 0,
    `${fmt(duringAny.length)} guarded requests sent during faults; slowest answer ${fmt(slowValid)} ms for a valid key ` +
      `(1 store call, limit ${fmt(validLimit)} ms), ${fmt(slowRefused)} ms for a refused one (2 calls, limit ${fmt(refusedLimit)} ms); store timeout ${fmt(phase.storeTimeoutMs)} ms`,
  );
  const fiveHundreds = requests.filter((r) => r.status >= 500 && r.status !== 503);
  const hangs = requests.filter((r) => r.status === -1);
  const no503Header = requests.filter((r) => r.status === 503 && !r.retryAfter);
  add(
    'never 500, never a hang, every 503 has Retry-After',
    fiveHundreds.length + hangs.length + no503Header.length === 0,
    `${fmt(requests.length)} requests: ${fiveHundreds.length} 5xx other than 503, ${hangs.length} unanswered after 10 s, ${no503Header.length} 503 without Retry-After`,
  );

  // 5: counted uses.
  const invites = phase.items.invites;
  const over = invites.filter((i) => i.successes > i.maxUses);
  const serverOver = invites.filter((i) => i.serverUses != null && i.serverUses > i.maxUses);
  const repeat = invites.reduce((n, i) => n + i.repeatUsers, 0);
  const accepts = requests.filter((r) => r.kind === 'invite.accept');
  add(
    'invite redeemed ≤ maxUses across servers',
    over.length + serverOver.length + repeat === 0,
    `${fmt(invites.length)} invitations, ${fmt(accepts.length)} concurrent accepts (${fmt(accepts.filter((r) => r.status === 200).length)} × 200): ${over.length} over maxUses by the ledger, ${serverOver.length} by the server's count, ${repeat} users redeemed twice`,
  );
  const resets = phase.items.resets;
  const twice = resets.filter((r) => r.successes > 1);
  const confirms = requests.filter((r) => r.kind === 'reset.confirm');
  const checkedConsumed = requests.filter((r) => r.kind === 'reset.check.consumed' && is2xx(r.status));
  add(
    'reset token consumed at most once',
    twice.length + checkedConsumed.length === 0,
    `${fmt(resets.length)} tokens, ${fmt(confirms.length)} confirms (incl. 3-way races and replays, ${fmt(confirms.filter((r) => r.status === 200).length)} × 200): ${twice.length} consumed twice, ${checkedConsumed.length} consumed tokens still valid`,
  );

  // 6: nothing acknowledged as issued is lost.
  const validRefused = requests.filter((r) => r.kind === 'key.valid' && (r.status === 401 || r.status === 403));
  const restartSweeps = phase.items.sweeps.filter((s) => s.label !== 'final');
  const final = phase.items.sweeps.find((s) => s.label === 'final');
  const sweepLine = (s) =>
    `${s.label}: ${fmt(s.checked)} checked, ${s.lost.length} lost, ${s.resurrected.length} resurrected, ${s.unreachable.length} unreachable`;
  const sweepBad = (s) => s.lost.length + s.resurrected.length + s.unreachable.length;
  const total = (key) => restartSweeps.reduce((n, s) => n + (key === 'checked' ? s.checked : s[key].length), 0);
  add(
    phase.mode === 'single'
      ? 'issued before the Redis kill works after the restart'
      : phase.mode === 'postgres'
        ? 'issued before the PostgreSQL stop works after the restart'
        : 'issued before the master kill works after the failover',
    restartSweeps.length > 0 && restartSweeps.every((s) => s.checked > 0 && sweepBad(s) === 0),
    restartSweeps.length === 0
      ? 'no sweep ran'
      : `${restartSweeps.length} sweep(s), ${fmt(total('checked'))} checks of keys, revoked keys, reset tokens and invitations ` +
          `(${restartSweeps.map((s) => fmt(s.checked)).join(' + ')}): ${total('lost')} lost, ${total('resurrected')} resurrected, ${total('unreachable')} unreachable` +
          restartSweeps
            .filter((s) => sweepBad(s) > 0)
            .map((s) => `; ${s.label}: ${[...s.lost, ...s.resurrected, ...s.unreachable].slice(0, 5).join(', ')}`)
            .join(''),
  );
  const usesLost = invites.filter((i) => i.serverUses != null && i.serverUses < i.successes);
  const unaudited = invites.filter((i) => i.serverUses == null);
  add(
    'nothing acknowledged is lost (whole run)',
    validRefused.length === 0 && final !== undefined && sweepBad(final) === 0 && usesLost.length + unaudited.length === 0,
    `${validRefused.length} valid-key requests refused 401/403; ${final ? sweepLine(final) : 'final sweep missing'}; ` +
      `${usesLost.length} invitations with fewer uses than acknowledged redemptions, ${unaudited.length} not auditable`,
  );

  // 7: recovery.
  const recoveries = [];
  const faults = [...phase.timeline].sort((a, b) => a.start - b.start);
  faults.forEach((e, i) => {
    if (e.recoveredAt === undefined) return;
    const until = Math.min(faults[i + 1]?.start ?? phase.loadEnd, phase.loadEnd);
    recoveries.push({ label: e.label, ...recoveryAfter(requests, e, until) });
  });
  const worst = (list, key) => list.reduce((m, r) => (r[key] === null ? Number.POSITIVE_INFINITY : Math.max(m, r[key])), 0);
  const show = (ms) => (ms === Number.POSITIVE_INFINITY ? 'never' : seconds(ms));
  // One line per kind of fault (the labels without their round number), worst case of its rounds.
  const kinds = [...new Set(recoveries.map((r) => r.label.replace(/ #\d+$/, '')))];
  add(
    'success rate back to normal ≤ 10 s after recovery',
    recoveries.length > 0 && worst(recoveries, 'verify') <= RECOVERY_LIMIT_MS && worst(recoveries, 'write') <= RECOVERY_LIMIT_MS,
    'worst of each kind of fault (≥ 95% of verifications / ≥ 90% of issues succeed in a 2 s / 3 s window), counted from when ' +
      'Redis could answer / the topology was whole again: ' +
      kinds
        .map((kind) => {
          const rs = recoveries.filter((r) => r.label.replace(/ #\d+$/, '') === kind);
          const from = (key) => seconds(Math.max(...rs.map((r) => r[key])));
          return (
            `${kind}${rs.length > 1 ? ` ×${rs.length}` : ''}: verify ${show(worst(rs, 'verify'))} (from fault +≤${from('verifyFrom')}), ` +
            `issue ${show(worst(rs, 'write'))} (from fault +≤${from('writeFrom')})`
          );
        })
        .join('; '),
  );

  // 8: app servers.
  add('no app server crashed', phase.crashes.length === 0, phase.crashes.length ? phase.crashes.join('; ') : `3 servers, ${phase.timeline.filter((e) => e.type === 'app-kill').length} deliberate SIGKILL + restart`);
  const memBad = phase.memory.filter((m) => m.heapGrowth > phase.memoryLimits.heap || m.rssGrowth > phase.memoryLimits.rss);
  add(
    'no memory leak (heap after GC, RSS)',
    memBad.length === 0 && phase.memory.length === 3,
    phase.memory
      .map((m) => `${m.name}${m.restarted ? ' (since restart)' : ''}: heap ${mb(m.before.heapUsed)}→${mb(m.after.heapUsed)}, RSS ${mb(m.before.rss)}→${mb(m.after.rss)}`)
      .join('; ') + ` (limits +${mb(phase.memoryLimits.heap)} heap, +${mb(phase.memoryLimits.rss)} RSS)`,
  );

  // 9: TTLs.
  add(
    'every key has a TTL (or is a non-expiring API key / owner index)',
    phase.ttl.violations.length === 0 && phase.ttl.checked > 0,
    `${fmt(phase.ttl.checked)} keys of the prefix, ${fmt(phase.ttl.noTtl)} without TTL (all non-expiring API keys or their owner index)` +
      (phase.ttl.violations.length ? `; violations: ${phase.ttl.violations.slice(0, 5).join(', ')}` : ''),
  );

  // 10: replication window (cluster).
  if (phase.probes.length > 0) {
    const sum = (via, key) => phase.probes.reduce((n, p) => n + p.result[via][key], 0);
    const describe = (mode) => {
      const ps = phase.probes.filter((p) => p.mode === mode);
      if (ps.length === 0) return null;
      const s = (via, key) => ps.reduce((n, p) => n + p.result[via][key], 0);
      return `${mode} ×${ps.length}: without WAIT ${s('plain', 'doubles')} of ${s('plain', 'acknowledged')} acknowledged uses repeated; with WAIT ${s('safe', 'doubles')} of ${s('safe', 'acknowledged')}`;
    };
    add(
      'measured: consumed twice after failover, RedisStore without waitForReplicas',
      null,
      [describe('widened'), describe('natural')].filter(Boolean).join('; '),
    );
    const unresolved = sum('plain', 'unresolved') + sum('safe', 'unresolved');
    add(
      'with waitForReplicas: no token/invite used twice after failover',
      sum('safe', 'doubles') === 0 && unresolved === 0 && sum('safe', 'credentials') > 0,
      `${sum('safe', 'credentials')} credentials used right before ${phase.probes.length} master kill(s): ${sum('safe', 'acknowledged')} acknowledged, ${sum('safe', 'doubles')} used again after the failover` +
        (unresolved ? `; ${unresolved} could not be re-checked` : ''),
    );
  }
  if (phase.mode === 'cluster') {
    add('app servers confirm writes with waitForReplicas', null, phase.waitForReplicas ? JSON.stringify(phase.waitForReplicas) : 'off');
  }
  return rows;
}

function countBy(list, key) {
  const out = new Map();
  for (const x of list) out.set(key(x), (out.get(key(x)) ?? 0) + 1);
  return out;
}

function formatCounts(counts) {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([status, n]) => `${fmt(n)} × ${status}`)
    .join(', ') || 'none';
}

function mb(bytes) {
  return `${(bytes / 1048576).toFixed(0)} MB`;
}
