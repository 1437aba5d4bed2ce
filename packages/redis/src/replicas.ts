import { ConfigError, StoreUnavailableError } from '@tokenkit/core';
import type { Cluster, Redis } from 'ioredis';
import { SCRIPT_SOURCES, type Scripts } from './scripts/index.js';

/**
 * `RedisStore({ waitForReplicas })`: after each state change that must survive
 * a failover, block until that many replicas have it (Redis `WAIT`). See the
 * README section "Replication and failover" for what it costs.
 */
export interface WaitForReplicasOptions {
  /** Replicas that must acknowledge each write (an integer ≥ 1). */
  replicas: number;
  /**
   * How long `WAIT` may block, in ms (an integer ≥ 1 and below the store's
   * `timeout`). When fewer replicas acknowledge in time, the operation rejects
   * with `StoreUnavailableError` (fail closed).
   */
  timeoutMs: number;
  /**
   * Also confirm API-key verifications that spend a use (keys created with
   * `remaining`). Default `false`: verifications stay one plain round trip
   * and keep working while a shard has no replica; a failover can then hand
   * back the uses spent in the last moments before the crash.
   */
  verifications?: boolean | undefined;
}

type Reply = [error: Error | null, result: unknown];

const noop = (): void => {};

/**
 * Runs a store script and `WAIT` back to back in one pipeline on a dedicated
 * connection. `WAIT` counts the replicas that acknowledged the last write *of
 * its own connection*, so it must follow the script on the same connection —
 * a pipeline guarantees that, and on a Cluster ioredis sends a pipeline to the
 * master that owns its keys' slot. The connection is dedicated because `WAIT`
 * blocks the connection it runs on: on the shared client, a missing replica
 * would stall every verification queued behind it.
 */
export class ReplicaWaiter {
  readonly replicas: number;
  readonly timeoutMs: number;
  readonly verifications: boolean;
  private readonly connection: Redis | Cluster;
  private readonly storeTimeout: number;
  /** Until the connection was ready once: resolves on its first 'ready'. */
  private firstReady: Promise<void> | undefined;

  /**
   * @param client - the store's client; a duplicate of it (same options) carries the confirmed writes
   * @param options - see {@link WaitForReplicasOptions}
   * @param storeTimeout - the store's per-operation timeout, which `timeoutMs` must stay below
   * @throws ConfigError on unusable options
   */
  constructor(client: Redis | Cluster, options: WaitForReplicasOptions, storeTimeout: number) {
    const { replicas, timeoutMs } = options ?? ({} as Partial<WaitForReplicasOptions>);
    if (!Number.isSafeInteger(replicas) || (replicas as number) < 1) {
      throw new ConfigError(
        `RedisStore: waitForReplicas.replicas must be an integer ≥ 1 (got ${String(replicas)}), e.g. { replicas: 1, timeoutMs: 100 }`,
      );
    }
    // WAIT 0 blocks forever; a timeout at or above the store's would only turn into the store's own timeout.
    if (!Number.isSafeInteger(timeoutMs) || (timeoutMs as number) < 1 || (timeoutMs as number) >= storeTimeout) {
      throw new ConfigError(
        `RedisStore: waitForReplicas.timeoutMs must be an integer from 1 to below the store timeout (${storeTimeout} ms), ` +
          `got ${String(timeoutMs)}; e.g. { replicas: 1, timeoutMs: 100 }`,
      );
    }
    this.replicas = replicas as number;
    this.timeoutMs = timeoutMs as number;
    this.verifications = options.verifications === true;
    this.storeTimeout = storeTimeout;
    const connection = client.duplicate();
    this.connection = connection;
    connection.on('error', noop); // failures surface as rejected calls (StoreUnavailableError)
    this.firstReady = new Promise<void>((resolve) => connection.once('ready', resolve)).then(() => {
      this.firstReady = undefined;
    });
    this.firstReady.catch(noop);
    if (connection.status === 'wait') connection.connect().catch(noop);
  }

  /**
   * Runs script `name`, then `WAIT replicas timeoutMs`.
   *
   * @param name - which store script
   * @param keysAndArgs - the script's keys, then its arguments
   * @param changed - whether a reply means the script changed state (only then must replicas confirm it)
   * @returns the script's reply
   * @throws the script's error, or StoreUnavailableError when a change was not confirmed by enough replicas
   */
  async run(name: keyof Scripts, keysAndArgs: readonly string[], changed: (reply: unknown) => boolean): Promise<unknown> {
    await this.connected();
    const source = SCRIPT_SOURCES[name];
    const deadline = Date.now() + this.storeTimeout;
    let script: Reply;
    let wait: Reply;
    for (let attempt = 1; ; attempt++) {
      [script, wait] = await this.exec('evalsha', source.sha, source.keys, keysAndArgs);
      // After SCRIPT FLUSH (a restart or failover opens a new connection, which starts with EVAL anyway)
      // the whole pipeline is resent with the script text, so WAIT still follows the write.
      if (script[0]?.message.includes('NOSCRIPT')) {
        [script, wait] = await this.exec('eval', source.lua, source.keys, keysAndArgs);
      }
      // MOVED: after a failover or resharding the node no longer serves the slot, and ioredis does
      // not redirect a pipeline holding a write. The script did not run there, so it is safe to
      // refresh the slot map and send it to the new owner — while the caller is still waiting.
      if (!script[0]?.message.startsWith('MOVED ') || attempt >= 3 || Date.now() > deadline - 50) break;
      await this.refreshSlots(deadline);
    }
    if (script[0]) throw script[0];
    const reply = script[1];
    if (!changed(reply)) return reply;
    if (wait[0]) throw wait[0];
    const acknowledged = Number(wait[1]);
    if (!(acknowledged >= this.replicas)) {
      throw new StoreUnavailableError(
        `Redis ${name}: the write reached ${acknowledged} of ${this.replicas} required replica(s) within ${this.timeoutMs} ms; ` +
          'it is not confirmed and may be lost in a failover',
        { retryAfterMs: 1000 },
      );
    }
    return reply;
  }

  /**
   * Closes the dedicated connection.
   *
   * @returns when it is closed
   */
  async close(): Promise<void> {
    try {
      await this.connection.quit();
    } catch {
      this.connection.disconnect();
    }
  }

  /**
   * The confirming connection is opened by the store, so right after
   * construction it may still be connecting while the app's client is ready.
   * Calls made then wait for it — at most the store timeout, and nothing is
   * sent after that (the caller has been told "unavailable" by then). Later
   * disconnections fail fast like the app's client (no offline queue).
   */
  private async connected(): Promise<void> {
    const first = this.firstReady;
    if (!first) return;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.storeTimeout);
    });
    await Promise.race([first, expired]);
    clearTimeout(timer);
    if (this.firstReady) throw new Error('the confirming connection is not ready');
  }

  /** Refreshes a Cluster's slot map (resolves by `deadline` at the latest). */
  private refreshSlots(deadline: number): Promise<void> {
    const connection = this.connection as Cluster;
    if (typeof connection.refreshSlotsCache !== 'function') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      connection.refreshSlotsCache(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async exec(
    command: 'evalsha' | 'eval',
    scriptOrSha: string,
    keys: number,
    keysAndArgs: readonly string[],
  ): Promise<[Reply, Reply]> {
    const pipeline = this.connection.pipeline();
    if (command === 'evalsha') pipeline.evalsha(scriptOrSha, keys, ...keysAndArgs);
    else pipeline.eval(scriptOrSha, keys, ...keysAndArgs);
    pipeline.wait(this.replicas, this.timeoutMs);
    const replies = await pipeline.exec();
    if (replies?.length !== 2) throw new Error('unexpected pipeline reply');
    return [replies[0] as Reply, replies[1] as Reply];
  }
}
