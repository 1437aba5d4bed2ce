// The soak's load generator: drives mixed traffic at the app servers at a
// bounded rate and keeps a ledger of every request (send/receive time, what
// the request was, the answer) and of every credential it was told was
// issued. It judges nothing itself: run.mjs combines the ledger with the
// fault timeline (lib/invariants.mjs).
//
// IPC from the runner: { cmd: 'sweep', label, before } — re-check everything
// acknowledged before `before` (after a Redis restart / failover) and answer
// { sweep }; { cmd: 'stop' } — stop the load, let requests in flight finish,
// run the final sweep, write the ledger and answer { done }.
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { generateCredential } from '../../packages/core/dist/index.js';
import { recoveryAfter, toRequest } from './lib/invariants.mjs';

const config = JSON.parse(process.argv[2]);
process.on('disconnect', () => process.exit(0));

const SERVERS = config.servers; // [{ name, url }]
const ADMIN = { 'x-admin-token': config.adminToken, 'content-type': 'application/json' };
const PASSWORD = 'correct-horse-battery-staple';
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_IN_FLIGHT = 250;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Requests per second of each kind of traffic (≈ 100 req/s in total; `waves` send several requests).
const RATES = {
  verifyValid: 45,
  verifyMalformed: 3,
  verifyChecksum: 3,
  verifyUnknown: 6,
  verifyWrongSecret: 6,
  verifyRevoked: 8,
  verifyExpiring: 8,
  resetRequest: 2,
  keyCreate: 1,
  keyRevoke: 0.4,
  resetIssue: 2,
  resetCheck: 1.5,
  resetConfirmWave: 1.2, // 3 concurrent confirms of one token on 3 servers
  resetReplay: 0.5,
  inviteCreate: 1,
  inviteWave: 0.8, // 7 concurrent accepts of one invite (6 users + 1 repeat) across servers
  inviteCheck: 1,
};

// ---------------------------------------------------------------- HTTP

const agents = SERVERS.map(() => new http.Agent({ keepAlive: true, maxSockets: 64 }));
/** @type {Set<{t0: number}>} requests sent and not yet answered (their count is the load's in-flight bound) */
const unanswered = new Set();
let skipped = 0;
/** @type {Array<[number, number, string, number, number, number, string]>} t0, t1, kind, server, status, retryAfter?, id */
const ledger = [];

/**
 * One request; never throws. status 0 = connection error (server down), -1 = no answer within 10 s.
 * @returns {Promise<{status: number, retryAfter: boolean, body: any, t0: number, t1: number}>}
 */
function send(server, method, path, { headers = {}, body, kind, id = '' } = {}) {
  const t0 = Date.now();
  const sent = { t0 };
  unanswered.add(sent);
  return new Promise((resolve) => {
    const url = new URL(path, SERVERS[server].url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(url, {
      method,
      agent: agents[server],
      headers: {
        'x-forwarded-for': `10.${randomInt(4)}.${randomInt(8)}.${randomInt(1, 255)}`,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
    });
    let settled = false;
    const done = (status, retryAfter, text) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unanswered.delete(sent);
      const t1 = Date.now();
      if (kind) ledger.push([t0, t1, kind, server, status, retryAfter ? 1 : 0, id]);
      let parsed = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = null;
      }
      resolve({ status, retryAfter, body: parsed, t0, t1 });
    };
    const timer = setTimeout(() => {
      req.destroy();
      done(-1, false, '');
    }, REQUEST_TIMEOUT_MS);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => done(res.statusCode ?? 0, res.headers['retry-after'] !== undefined, text));
      res.on('error', () => done(0, false, ''));
    });
    req.on('error', () => done(0, false, ''));
    req.end(payload);
  });
}

// ---------------------------------------------------------------- state

/** @type {Map<string, {id: string, key: string, ackAt: number, expiresAt: number|null, state: 'active'|'revoking'|'revoked'|'unknown', revokeAckAt: number|null, busy: boolean}>} */
const keys = new Map();
/** @type {Map<string, {id: string, token: string, ackAt: number, expiresAt: number, successes: number, ambiguous: boolean, busy: boolean, waves: number}>} */
const resets = new Map();
/** @type {Map<string, {id: string, code: string, maxUses: number, ackAt: number, successes: number, ambiguous: boolean, busy: boolean, waves: number, users: Map<string, number>, serverUses?: number|null}>} */
const invites = new Map();
let serial = 0;
const pick = (array) => array[randomInt(array.length)];
const anyServer = () => randomInt(SERVERS.length);
const isTransient = (status) => status === 503 || status === 0 || status === -1;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function base62(length) {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[randomInt(62)];
  return out;
}
/** The credential check part: CRC32 of everything before it, 6 base62 digits, most significant first. */
function check(head) {
  let value = crc32(head) >>> 0;
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

// ---------------------------------------------------------------- traffic

function activeKeys(now) {
  const out = [];
  for (const k of keys.values()) if (k.state === 'active' && !k.busy && (k.expiresAt === null || now < k.expiresAt - 2000)) out.push(k);
  return out;
}

async function verify(key, kind, id) {
  return send(anyServer(), 'GET', '/api/data', { headers: { authorization: `Bearer ${key}` }, kind, id });
}

const traffic = {
  async verifyValid() {
    const pool = activeKeys(Date.now()).filter((k) => k.expiresAt === null);
    if (pool.length === 0) return;
    const k = pick(pool);
    // keyRevoke leaves keys with verifications in flight alone: a revoke racing this request could
    // legitimately turn its answer into a 401, which the ledger would count as a lost key.
    k.verifying = (k.verifying ?? 0) + 1;
    try {
      await verify(k.key, 'key.valid', k.id);
    } finally {
      k.verifying--;
    }
  },
  async verifyMalformed() {
    await verify(pick(['sk_short', 'not-a-key', `sk_${base62(47)}!`, `xx_${base62(48)}`]), 'key.invalid.malformed', '');
  },
  async verifyChecksum() {
    const pool = [...keys.values()];
    if (pool.length === 0) return;
    const k = pick(pool);
    const last = k.key.at(-1) === 'A' ? 'B' : 'A';
    await verify(k.key.slice(0, -1) + last, 'key.invalid.checksum', '');
  },
  async verifyUnknown() {
    const { credential, id } = generateCredential('sk');
    await verify(credential, 'key.invalid.unknown', id);
  },
  async verifyWrongSecret() {
    const pool = [...keys.values()];
    if (pool.length === 0) return;
    const k = pick(pool);
    const head = `sk_${k.id}${base62(32)}`;
    await verify(head + check(head), 'key.invalid.secret', k.id);
  },
  async verifyRevoked() {
    const pool = [...keys.values()].filter((k) => k.state === 'revoked');
    if (pool.length === 0) return;
    const k = pick(pool);
    await verify(k.key, 'key.revoked', k.id);
  },
  async verifyExpiring() {
    const now = Date.now();
    const pool = [...keys.values()].filter((k) => k.expiresAt !== null && k.state === 'active' && !k.busy);
    if (pool.length === 0) return;
    // Prefer keys around their expiry: half from those that expire within 10 s or expired within 30 s.
    const near = pool.filter((k) => k.expiresAt - now < 10_000 && now - k.expiresAt < 30_000);
    const k = near.length > 0 && randomInt(2) === 0 ? pick(near) : pick(pool);
    // Classified at send time: the server checks expiry after the request left, on the same clock.
    const kind = now >= k.expiresAt ? 'key.expired' : now < k.expiresAt - 2000 ? 'key.valid' : 'key.edge';
    await verify(k.key, kind, k.id);
  },
  async resetRequest() {
    const email = randomInt(2) === 0 ? `nobody-${randomInt(1e6)}@example.com` : `rst-user-${randomInt(1e6)}@soak.test`;
    await send(anyServer(), 'POST', '/auth/reset/request', { body: { email }, kind: 'reset.request' });
  },
  async keyCreate() {
    const expiring = randomInt(10) < 4;
    const body = { ownerId: `owner-${randomInt(8)}`, ...(expiring ? { expiresInMs: 5000 + randomInt(15_000) } : {}) };
    const res = await send(anyServer(), 'POST', '/admin/keys', { headers: ADMIN, body, kind: 'admin.key' });
    if (res.status === 201) {
      const { key, id, expiresAt } = res.body;
      keys.set(id, { id, key, ackAt: res.t1, expiresAt, state: 'active', revokeAckAt: null, busy: false });
    }
  },
  async keyRevoke() {
    const pool = activeKeys(Date.now()).filter((k) => k.expiresAt === null && !k.verifying);
    // Keep a healthy pool of valid keys.
    if (pool.length < 8) return;
    const k = pick(pool);
    k.state = 'revoking';
    const res = await send(anyServer(), 'POST', `/admin/keys/${k.id}/revoke`, { headers: ADMIN, kind: 'admin.revoke', id: k.id });
    if (res.status === 200) {
      k.state = 'revoked';
      k.revokeAckAt = res.t1;
    } else {
      // Unacknowledged: the revoke may or may not have happened — no claim either way from now on.
      k.state = 'unknown';
    }
  },
  async resetIssue() {
    const userId = `rst-user-${process.pid}-${serial++}`;
    const res = await send(anyServer(), 'POST', '/admin/resets', { headers: ADMIN, body: { userId }, kind: 'admin.reset' });
    if (res.status === 201) {
      const { token, expiresAt } = res.body;
      const id = token.slice(4, 14);
      resets.set(id, { id, token, ackAt: res.t1, expiresAt, successes: 0, ambiguous: false, busy: false, waves: 0 });
    }
  },
  async resetCheck() {
    const pool = [...resets.values()].filter((r) => !r.busy);
    if (pool.length === 0) return;
    const r = pick(pool);
    await send(anyServer(), 'GET', `/auth/reset/${r.token}`, {
      headers: { accept: 'application/json' },
      kind: r.successes > 0 ? 'reset.check.consumed' : r.ambiguous ? 'reset.check.edge' : 'reset.check.fresh',
      id: r.id,
    });
  },
  async resetConfirmWave() {
    const now = Date.now();
    // Leave about a third of the tokens unconsumed, so sweeps can show they survive restarts.
    const pool = [...resets.values()].filter((r) => !r.busy && r.successes === 0 && !r.ambiguous && r.waves === 0 && now - r.ackAt > 300);
    if (pool.length === 0) return;
    const r = pick(pool);
    r.waves++;
    if (randomInt(3) === 0) return;
    r.busy = true;
    const results = await Promise.all(
      [0, 1, 2].map((server) =>
        send(server, 'POST', '/auth/reset/confirm', { body: { token: r.token, password: PASSWORD }, kind: 'reset.confirm', id: r.id }),
      ),
    );
    const ok = results.filter((x) => x.status === 200).length;
    r.successes += ok;
    if (ok === 0 && results.some((x) => isTransient(x.status))) r.ambiguous = true;
    r.busy = false;
  },
  async resetReplay() {
    const pool = [...resets.values()].filter((r) => !r.busy && r.successes > 0);
    if (pool.length === 0) return;
    const r = pick(pool);
    r.busy = true;
    const res = await send(anyServer(), 'POST', '/auth/reset/confirm', {
      body: { token: r.token, password: PASSWORD },
      kind: 'reset.confirm',
      id: r.id,
    });
    if (res.status === 200) r.successes++;
    r.busy = false;
  },
  async inviteCreate() {
    const maxUses = 1 + randomInt(3);
    const res = await send(anyServer(), 'POST', '/admin/invites', { headers: ADMIN, body: { maxUses }, kind: 'admin.invite' });
    if (res.status === 201) {
      const { code, id } = res.body;
      invites.set(id, { id, code, maxUses, ackAt: res.t1, successes: 0, ambiguous: false, busy: false, waves: 0, users: new Map() });
    }
  },
  async inviteWave() {
    const now = Date.now();
    const pool = [...invites.values()].filter((i) => !i.busy && i.waves < 3 && now - i.ackAt > 300);
    if (pool.length === 0) return;
    const inv = pick(pool);
    inv.waves++;
    // About a third of the invitations are never redeemed, so sweeps can show they survive restarts.
    if (inv.waves === 1 && randomInt(3) === 0) {
      inv.waves = 3;
      return;
    }
    inv.busy = true;
    const users = Array.from({ length: 6 }, () => `inv-user-${serial++}`);
    users.push(users[0]); // the same user twice in one wave: at most one of the two may succeed
    const results = await Promise.all(
      users.map((user, i) =>
        send(i % SERVERS.length, 'POST', '/invitations/accept', {
          body: { code: inv.code },
          headers: { 'x-user': user },
          kind: 'invite.accept',
          id: inv.id,
        }),
      ),
    );
    results.forEach((res, i) => {
      if (res.status === 200) {
        inv.successes++;
        inv.users.set(users[i], (inv.users.get(users[i]) ?? 0) + 1);
      } else if (isTransient(res.status)) inv.ambiguous = true;
    });
    inv.busy = false;
  },
  async inviteCheck() {
    const pool = [...invites.values()].filter((i) => !i.busy);
    if (pool.length === 0) return;
    const inv = pick(pool);
    await send(anyServer(), 'GET', `/invitations/${inv.code}`, { headers: { accept: 'application/json' }, kind: 'invite.check', id: inv.id });
  },
};

// ---------------------------------------------------------------- sweeps

/**
 * Re-checks every item acknowledged before `before` through the public,
 * non-consuming routes, retrying transient answers (503, connection errors)
 * for up to 20 s. Outcome per item: ok, lost (a live credential no longer
 * works) or resurrected (a spent/revoked one works again).
 */
async function sweep(label, before) {
  const started = Date.now();
  const tasks = [];
  const now = Date.now();
  for (const k of keys.values()) {
    if (k.ackAt >= before || k.busy) continue;
    if (k.state === 'active' && (k.expiresAt === null || k.expiresAt > now + 5000)) tasks.push({ type: 'key', item: k, expect: 200 });
    else if (k.state === 'revoked') tasks.push({ type: 'key', item: k, expect: 401 });
    else if (k.state === 'active' && k.expiresAt !== null && k.expiresAt < now - 1000) tasks.push({ type: 'key', item: k, expect: 401 });
  }
  for (const r of resets.values()) {
    if (r.ackAt >= before || r.busy || r.ambiguous) continue;
    if (r.successes > 0) tasks.push({ type: 'reset', item: r, expect: 410 });
    else if (r.expiresAt > now + 5000) tasks.push({ type: 'reset', item: r, expect: 200 });
  }
  for (const inv of invites.values()) {
    if (inv.ackAt >= before || inv.busy || inv.ambiguous) continue;
    tasks.push({ type: 'invite', item: inv, expect: inv.successes >= inv.maxUses ? 410 : 200 });
  }
  for (const t of tasks) t.item.busy = true;
  const result = { label, before, checked: tasks.length, ok: 0, lost: [], resurrected: [], unreachable: [], durationMs: 0 };
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      const deadline = Date.now() + 20_000;
      let status;
      for (;;) {
        const path =
          task.type === 'key' ? '/api/data' : task.type === 'reset' ? `/auth/reset/${task.item.token}` : `/invitations/${task.item.code}`;
        const headers = task.type === 'key' ? { authorization: `Bearer ${task.item.key}` } : { accept: 'application/json' };
        ({ status } = await send(anyServer(), 'GET', path, { headers, kind: `sweep.${task.type}`, id: task.item.id }));
        if (!(isTransient(status) || status === 429) || Date.now() > deadline) break;
        await sleep(250);
      }
      const entry = `${task.type}:${task.item.id}:${status}`;
      if (status === task.expect) result.ok++;
      else if (isTransient(status) || status === 429) result.unreachable.push(entry);
      else if (task.expect === 200) result.lost.push(entry);
      else result.resurrected.push(entry);
      await sleep(10); // 2 workers: ≤ ~150 req/s on top of the load, so the total stays ≤ 300 req/s
    }
  };
  await Promise.all(Array.from({ length: 2 }, worker));
  for (const t of tasks) t.item.busy = false;
  result.durationMs = Date.now() - started;
  return result;
}

/** Server-side view of every invitation: uses must never exceed maxUses nor fall below the acknowledged redemptions. */
async function inviteAudit() {
  const list = [...invites.values()];
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const inv = list[next++];
      const deadline = Date.now() + 20_000;
      for (;;) {
        const res = await send(anyServer(), 'GET', `/admin/invites/${inv.id}`, { headers: ADMIN });
        if (res.status === 200) {
          inv.serverUses = res.body.uses;
          break;
        }
        if (!isTransient(res.status) || Date.now() > deadline) {
          inv.serverUses = null;
          break;
        }
        await sleep(250);
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

// ---------------------------------------------------------------- main loop

let running = true;
const sweeps = [];
const pending = new Set();
function launch(fn) {
  if (unanswered.size >= MAX_IN_FLIGHT) {
    skipped++;
    return;
  }
  const p = fn().catch((err) => console.error('[loadgen]', err));
  pending.add(p);
  p.finally(() => pending.delete(p));
}

async function seed() {
  // A starting population: valid keys, soon-expiring keys, revoked keys, tokens and invitations.
  const create = async (body) => {
    const res = await send(anyServer(), 'POST', '/admin/keys', { headers: ADMIN, body, kind: 'admin.key' });
    if (res.status !== 201) throw new Error(`seeding failed: POST /admin/keys answered ${res.status}`);
    const { key, id, expiresAt } = res.body;
    keys.set(id, { id, key, ackAt: res.t1, expiresAt, state: 'active', revokeAckAt: null, busy: false });
  };
  for (let i = 0; i < 12; i++) await create({ ownerId: `owner-${i % 4}` });
  for (let i = 0; i < 4; i++) await create({ ownerId: 'owner-seed', expiresInMs: 6000 + i * 3000 });
  for (let i = 0; i < 3; i++) await traffic.keyRevoke();
  for (let i = 0; i < 4; i++) await traffic.resetIssue();
  for (let i = 0; i < 3; i++) await traffic.inviteCreate();
}

async function run() {
  await seed();
  process.send({ seeded: true });
  const acc = Object.fromEntries(Object.keys(RATES).map((k) => [k, Math.random()]));
  let last = Date.now();
  while (running) {
    await sleep(50);
    const now = Date.now();
    const dt = (now - last) / 1000;
    last = now;
    for (const [name, rate] of Object.entries(RATES)) {
      acc[name] += rate * dt;
      while (acc[name] >= 1) {
        acc[name] -= 1;
        launch(traffic[name]);
      }
    }
  }
}

/** Everything sent before this has been answered (and so is in the ledger). */
function answeredUntil() {
  let until = Date.now();
  for (const { t0 } of unanswered) until = Math.min(until, t0);
  return until;
}

process.on('message', async (msg) => {
  if (msg.cmd === 'recovery') {
    process.send({ recovery: { ref: msg.ref, ...recoveryAfter(ledger.map(toRequest), msg.fault, answeredUntil()) } });
  } else if (msg.cmd === 'sweep') {
    const result = await sweep(msg.label, msg.before);
    sweeps.push(result);
    process.send({ sweep: result });
  } else if (msg.cmd === 'stop') {
    running = false;
    const drainDeadline = Date.now() + 15_000;
    while (pending.size > 0 && Date.now() < drainDeadline) await sleep(50);
    const final = await sweep('final', Number.POSITIVE_INFINITY);
    sweeps.push(final);
    await inviteAudit();
    const items = {
      keys: [...keys.values()].map(({ busy: _b, key: _k, verifying: _v, ...rest }) => rest),
      resets: [...resets.values()].map(({ busy: _b, token: _t, ...rest }) => rest),
      invites: [...invites.values()].map(({ busy: _b, code: _c, users, ...rest }) => ({
        ...rest,
        repeatUsers: [...users.values()].filter((n) => n > 1).length,
      })),
      sweeps,
      skipped,
    };
    writeFileSync(join(config.outDir, 'items.json'), JSON.stringify(items));
    writeFileSync(join(config.outDir, 'ledger.jsonl'), ledger.map((r) => JSON.stringify(r)).join('\n'));
    process.send({ done: { requests: ledger.length, skipped } }, () => process.exit(0));
  }
});

run().catch((err) => {
  console.error('[loadgen] fatal', err);
  process.exit(1);
});
