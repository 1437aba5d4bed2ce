// Replication probe for the cluster soak: does a master that dies right after
// acknowledging consumes/redemptions let the promoted replica hand the same
// reset tokens and single-use invitations out again? Measured side by side
// for a RedisStore without and with `waitForReplicas`, on the same failover.
//
// Two ways to time the crash:
// - 'natural': fire the consumes and SIGKILL the master the moment the first
//   one is acknowledged. On loopback the replica is usually sub-millisecond
//   behind, so this rarely catches the window (measured, not forced).
// - 'widened': first drop the replica's link (CLIENT KILL TYPE replica) and
//   hold the replica still (SIGSTOP) so it cannot resync — what a network
//   blip or a lagging replica does — then consume and crash the master.
//   Every acknowledged consume is then lost deterministically: this is the
//   window `waitForReplicas` must close.
import { once } from 'node:events';
import { Cluster } from 'ioredis';
import { Invitations, isStoreUnavailableError, ResetTokens } from '../../../packages/core/dist/index.js';
import { RedisStore, recommendedClusterOptions } from '../../../packages/redis/dist/index.js';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Why store calls failed, by message (numbers stripped), for the summary. */
const reasons = new Map();

/** @returns {Promise<'ok'|'rejected'|'unavailable'>} */
async function outcome(run) {
  try {
    return (await run()).valid ? 'ok' : 'rejected';
  } catch (err) {
    if (!isStoreUnavailableError(err)) throw err;
    const reason = err.message.replace(/\d+/g, 'N');
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    return 'unavailable';
  }
}

async function connect(startupNodes) {
  const client = new Cluster(startupNodes, recommendedClusterOptions());
  client.on('error', () => {});
  if (client.status !== 'ready') await once(client, 'ready');
  return client;
}

export class ReplicationProbe {
  /**
   * @param {Array<{host: string, port: number}>} startupNodes
   * @param {string} prefix - key prefix of the probe's records
   * @param {string} secret
   * @param {{replicas: number, timeoutMs: number}} waitForReplicas - the setting under test
   */
  static async open(startupNodes, prefix, secret, waitForReplicas) {
    const probe = new ReplicationProbe();
    probe.clients = [await connect(startupNodes), await connect(startupNodes)];
    probe.plain = new RedisStore({ client: probe.clients[0], prefix });
    probe.safe = new RedisStore({ client: probe.clients[1], prefix, waitForReplicas });
    probe.managers = {
      plain: { resets: new ResetTokens({ store: probe.plain, secret }), invites: new Invitations({ store: probe.plain, secret }) },
      safe: { resets: new ResetTokens({ store: probe.safe, secret }), invites: new Invitations({ store: probe.safe, secret }) },
    };
    return probe;
  }

  /**
   * Issues reset tokens and single-use invitations (through the WAIT store, so
   * the replica has them) and keeps those whose records live on `victim`.
   * @param {*} victim - the master about to be killed
   * @param {number} count - credentials of each kind to issue (about a third land on the victim)
   */
  async prepare(victim, count) {
    const { resets, invites } = this.managers.safe;
    const tokens = await Promise.all(Array.from({ length: count }, (_, i) => resets.issue(`probe-user-${Date.now()}-${i}`)));
    const codes = await Promise.all(Array.from({ length: count }, () => invites.create({ createdBy: 'probe', maxUses: 1 })));
    const onVictim = async (ns, id) => (await victim.command('EXISTS', this.plain.keys.record(ns, id)).catch(() => '0')) === '1';
    const items = [];
    for (const { token } of tokens) if (await onVictim('rst', token.slice(4, 14))) items.push({ type: 'reset', credential: token });
    for (const { code, invitation } of codes) if (await onVictim('inv', invitation.id)) items.push({ type: 'invite', credential: code });
    // The probe's clients may have been idle since an earlier failover: without a MOVED reply
    // ioredis keeps its old slot map, which could point at the replica the widened probe freezes.
    await Promise.all(this.clients.map((client) => new Promise((resolve) => client.refreshSlotsCache(() => resolve()))));
    // Alternate, so both stores get both kinds.
    this.items = items.map((item, i) => ({ ...item, via: i % 2 === 0 ? 'plain' : 'safe', first: null, second: null }));
    // Warm both clients' connections to the victim with a non-consuming check of every credential, so the
    // first attempts below measure the store, not a client that has not talked to that node yet.
    for (const via of ['plain', 'safe']) {
      const m = this.managers[via];
      await Promise.all(
        this.items.map((item) =>
          (item.type === 'reset' ? m.resets.check(item.credential) : m.invites.check(item.credential)).catch(() => {}),
        ),
      );
    }
    return this.items.length;
  }

  use(via, item, user) {
    const m = this.managers[via];
    return outcome(() =>
      item.type === 'reset' ? m.resets.consume(item.credential) : m.invites.redeem(item.credential, { userId: user }),
    );
  }

  /**
   * Consumes/redeems every prepared credential once and SIGKILLs the victim.
   * @param {*} victim - master
   * @param {*} replica - its replica
   * @param {'natural'|'widened'} mode
   * @returns {Promise<number>} when the victim was dead
   */
  async consumeAndKill(victim, replica, mode) {
    if (mode === 'widened') {
      await replica.pause();
      await victim.command('CLIENT', 'KILL', 'TYPE', 'replica');
      // One store after the other, so neither's timing depends on the other's.
      for (const via of ['plain', 'safe']) {
        await Promise.all(
          this.items
            .filter((item) => item.via === via)
            .map(async (item) => {
              item.first = await this.use(via, item, 'probe-first');
            }),
        );
      }
      await victim.kill('SIGKILL');
      const killedAt = Date.now();
      await replica.resume();
      return killedAt;
    }
    // Both stores at once, racing the crash: the master dies the moment it has acknowledged anything.
    let killing;
    await Promise.all(
      this.items.map(async (item) => {
        item.first = await this.use(item.via, item, 'probe-first').catch(() => 'unavailable');
        // Crash the master as soon as it has acknowledged anything.
        if (item.first === 'ok' && !killing) killing = victim.kill('SIGKILL');
      }),
    );
    await (killing ?? victim.kill('SIGKILL'));
    return Date.now();
  }

  /**
   * After the failover: every credential once more, through the plain store
   * (the promoted master has no replica yet, so the WAIT store would refuse),
   * retrying while the cluster client learns the new topology.
   */
  async secondAttempts(timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    await Promise.all(
      this.items.map(async (item) => {
        for (;;) {
          item.second = await this.use('plain', item, 'probe-second');
          if (item.second !== 'unavailable' || Date.now() > deadline) return;
          await sleep(200);
        }
      }),
    );
  }

  /** @returns per store: credentials, acknowledged first uses, double uses, first-attempt outcomes */
  summary() {
    const out = { unavailable: Object.fromEntries(reasons) };
    reasons.clear();
    for (const via of ['plain', 'safe']) {
      const items = this.items.filter((i) => i.via === via);
      const firsts = {};
      for (const i of items) firsts[i.first] = (firsts[i.first] ?? 0) + 1;
      out[via] = {
        credentials: items.length,
        acknowledged: items.filter((i) => i.first === 'ok').length,
        doubles: items.filter((i) => i.first === 'ok' && i.second === 'ok').length,
        unresolved: items.filter((i) => i.second === 'unavailable').length,
        firsts,
      };
    }
    return out;
  }

  async close() {
    await Promise.allSettled([this.safe?.close(), this.plain?.close()]);
    for (const client of this.clients ?? []) client.disconnect();
  }
}
