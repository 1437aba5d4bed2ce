import type { Cluster, Redis, RedisOptions } from 'ioredis';
import type { VerifiedRecords } from './unmetered.js';

/** The channel Redis publishes invalidations on (RESP2 redirect mode). */
const INVALIDATE = '__redis__:invalidate';

/**
 * Server-assisted client-side caching for {@link VerifiedRecords}: one
 * connection per master that runs `CLIENT TRACKING on REDIRECT <its own id>
 * BCAST PREFIX <store prefix>` and then `SUBSCRIBE __redis__:invalidate`.
 * From then on the server pushes the name of every key under the prefix that
 * any client writes, deletes or expires — including this process' own writes
 * and hand edits — and each one drops that key's cached copy.
 *
 * Why BCAST on a connection of our own, and not default mode on the reading
 * connection: default mode tracks the keys a connection READ, so it would
 * have to be enabled on the app's client (which the store does not own, and
 * which the app also uses for other keys) and on every node connection
 * ioredis opens and silently replaces in a Cluster; a reconnect of any of
 * them drops its tracking without a trace we could rely on. With BCAST the
 * tracking state and the invalidations live on the same connection we own,
 * so "that connection is up and subscribed" is exactly "invalidations are
 * flowing". In a Cluster every master broadcasts for the keys it holds, so a
 * slot that moves between masters stays covered. The cost: every write under
 * the prefix (rate-limit counters and throttle windows included) is pushed to
 * every process, and Redis keeps no per-key tracking table.
 *
 * Fail closed: the cache is trusted only while every expected master has a
 * subscribed connection. Any close, error, setup failure or topology change
 * empties the cache at once and verifications go to Redis (one HGET of the
 * version, or the script) until a fresh set of connections is subscribed —
 * and then it starts from an empty cache.
 */
export class InvalidationChannel {
  private readonly subscribers = new Map<string, Subscriber>();
  /** Expected masters (`host:port`), in order; empty until known. */
  private masters: string[] = [];
  /** A digest of slot → master (Cluster), to see slots move. */
  private slotMap = '';
  private closed = false;
  private readonly waiters = new Set<() => void>();
  private readonly onTopology = (): void => this.topologyChanged(true);
  private readonly onRefresh = (): void => this.topologyChanged(false);
  /** The app's client lost a connection: whatever it reconnects to, start over with fresh subscribers. */
  private readonly onClientClose = (): void => {
    this.distrust();
    for (const sub of [...this.subscribers.values()]) sub.fail();
  };
  /** Cluster: asks ioredis to re-read the slot map every second (ioredis alone only does on MOVED or a lost node). */
  private readonly topologyTimer: NodeJS.Timeout | undefined;

  /**
   * @param client - the store's client (standalone or Cluster; not Sentinel)
   * @param prefix - the store's key prefix (BCAST prefix)
   * @param cache - the cache to invalidate
   * @param setupTimeoutMs - how long one connection may take to subscribe
   * @param heartbeatTimeoutMs - how long a heartbeat PING may stay unanswered
   */
  constructor(
    private readonly client: Redis | Cluster,
    private readonly prefix: string,
    private readonly cache: VerifiedRecords,
    private readonly setupTimeoutMs: number,
    private readonly heartbeatTimeoutMs: number,
  ) {
    client.on('close', this.onClientClose);
    if (isCluster(client)) {
      client.on('+node', this.onTopology);
      client.on('-node', this.onTopology);
      client.on('refresh', this.onRefresh);
      client.on('ready', this.onRefresh);
      // A graceful failover closes no connection and an idle client sees no
      // MOVED: without this, ioredis would learn of it only on the next write.
      this.topologyTimer = setInterval(() => {
        if (client.status === 'ready') client.refreshSlotsCache();
      }, TOPOLOGY_CHECK_MS);
      this.topologyTimer.unref();
    }
    this.sync();
  }

  /** Ids (`CLIENT ID`) of the subscribed connections (for tests and tooling). */
  connectionIds(): number[] {
    const ids: number[] = [];
    for (const sub of this.subscribers.values()) if (sub.id !== undefined) ids.push(sub.id);
    return ids;
  }

  /**
   * @param timeoutMs - how long to wait
   * @returns true once the cache is trusted (every master subscribed), false on timeout
   */
  whenTrusted(timeoutMs: number): Promise<boolean> {
    if (this.cache.trusting) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve(this.cache.trusting);
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      this.waiters.add(done);
    });
  }

  /** Closes every subscriber connection and stops following the topology. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.topologyTimer);
    const client = this.client;
    client.off('close', this.onClientClose);
    if (isCluster(client)) {
      client.off('+node', this.onTopology);
      client.off('-node', this.onTopology);
      client.off('refresh', this.onRefresh);
      client.off('ready', this.onRefresh);
    }
    this.distrust();
    const subs = [...this.subscribers.values()];
    this.subscribers.clear();
    await Promise.all(subs.map((sub) => sub.close()));
  }

  /**
   * The server refused CLIENT TRACKING or SUBSCRIBE for good: stop, warn
   * once, and leave the cache untrusted (every verification reaches Redis).
   */
  unsupported(err: unknown): void {
    if (this.closed) return;
    void this.close();
    process.emitWarning(
      `RedisStore: client tracking is unavailable (${err instanceof Error ? err.message : String(err)}); ` +
        'unmetered keys are verified with one HGET each. Redis 6 or newer with the CLIENT, SUBSCRIBE and PING ' +
        'commands allowed is needed; set clientTracking: false to silence this.',
      { code: 'TOKENKIT_REDIS_CLIENT_TRACKING', type: 'TokenkitWarning' },
    );
  }

  /** A subscriber connection went down: empty the cache now; replace it after a pause. */
  down(sub: Subscriber): void {
    this.distrust();
    if (this.closed || this.subscribers.get(sub.node) !== sub) return;
    this.subscribers.delete(sub.node);
    const timer = setTimeout(() => this.sync(), backoff(sub.failures));
    timer.unref();
    this.pendingFailures.set(sub.node, sub.failures + 1);
  }

  private readonly pendingFailures = new Map<string, number>();

  /** A subscriber is ready: trust the cache when every master has one. */
  up(sub: Subscriber): void {
    this.pendingFailures.delete(sub.node);
    this.check();
    this.renewLease();
  }

  /** Trusted copies may be served until the oldest PONG of the masters' connections is a lease old. */
  renewLease(): void {
    let oldest = Number.POSITIVE_INFINITY;
    for (const node of this.masters) {
      const sub = this.subscribers.get(node);
      if (!sub?.ready) {
        this.cache.leaseUntil = 0;
        return;
      }
      oldest = Math.min(oldest, sub.lastPong);
    }
    this.cache.leaseUntil = Number.isFinite(oldest) ? oldest + TRUST_LEASE_MS : 0;
  }

  /** Invalidation messages, from any of our subscribers. */
  message(keys: unknown): void {
    if (keys === null || keys === undefined) {
      this.cache.invalidate(null);
      return;
    }
    if (Array.isArray(keys)) for (const key of keys) this.cache.invalidate(String(key));
    else this.cache.invalidate(String(keys));
  }

  private topologyChanged(always: boolean): void {
    if (this.closed) return;
    const before = this.masters.join(',');
    const slotsBefore = this.slotMap;
    this.readTopology();
    if (always || before !== this.masters.join(',') || slotsBefore !== this.slotMap) {
      // Any topology change: nothing cached before it is trusted after it.
      this.distrust();
      this.sync();
    }
  }

  /** Opens subscribers for expected masters that have none, closes the others. */
  private sync(): void {
    if (this.closed) return;
    this.readTopology();
    const expected = new Set(this.masters);
    for (const [node, sub] of this.subscribers) {
      if (!expected.has(node)) {
        this.subscribers.delete(node);
        void sub.close();
      }
    }
    for (const node of this.masters) {
      if (this.subscribers.has(node)) continue;
      const connection = this.connectionFor(node);
      if (connection === undefined) continue;
      const sub = new Subscriber(this, node, connection, this.prefix, this.setupTimeoutMs, this.heartbeatTimeoutMs, this.pendingFailures.get(node) ?? 0);
      this.subscribers.set(node, sub);
      sub.start();
    }
    this.check();
  }

  private readTopology(): void {
    const client = this.client;
    if (!isCluster(client)) {
      const { host, port } = client.options;
      this.masters = [`${host ?? '127.0.0.1'}:${port ?? 6379}`];
      return;
    }
    this.masters = client
      .nodes('master')
      .map((node) => nodeKey(node))
      .sort();
    // Slot ranges and their owners: a slot moving between masters changes this text.
    const slots = (client as unknown as { slots?: string[][] }).slots ?? [];
    let digest = '';
    let last = '';
    for (let slot = 0; slot < 16384; slot++) {
      const owner = slots[slot]?.[0] ?? '';
      if (owner !== last) {
        digest += `${slot}=${owner};`;
        last = owner;
      }
    }
    this.slotMap = digest;
  }

  private connectionFor(node: string): Redis | undefined {
    const client = this.client;
    if (!isCluster(client)) return client.duplicate(SUBSCRIBER_OPTIONS);
    const found = client.nodes('master').find((n) => nodeKey(n) === node);
    return found?.duplicate(SUBSCRIBER_OPTIONS);
  }

  private check(): void {
    if (this.closed) return;
    const ready = this.masters.length > 0 && this.masters.every((node) => this.subscribers.get(node)?.ready === true);
    if (ready && !this.cache.trusting) {
      // Re-established: start from an empty cache in a new epoch.
      this.cache.reset(true);
      for (const waiter of [...this.waiters]) waiter();
    } else if (!ready && this.cache.trusting) {
      this.distrust();
    }
  }

  private distrust(): void {
    // Fail closed at once, even when already untrusted (an untrusted copy may
    // still be served after an HGET of its version, which stays exact).
    this.cache.reset(false);
  }
}

/** How often a Cluster's slot map is re-read to see failovers and moved slots. */
const TOPOLOGY_CHECK_MS = 1000;
/**
 * How often each invalidation connection is PINGed. A connection that stays
 * open but silent (a network partition drops packets, no RST) would otherwise
 * keep the cache trusted while invalidations are lost; an unanswered PING
 * past the heartbeat timeout closes it (fail closed). A PONG also proves that
 * every invalidation Redis queued before it has been received.
 */
const HEARTBEAT_MS = 100;
/**
 * How long after its last PONG a connection keeps the cache trusted. While a
 * node stalls, cached keys are answered for at most this long (then they go
 * to Redis and fail closed with the store's timeout); a few missed beats of
 * a busy but healthy server only cost HGET round trips until the next PONG.
 */
export const TRUST_LEASE_MS = 300;
/** Setup errors that mean "this server or user can never track": stop trying. */
const UNSUPPORTED = /unknown (sub)?command|NOPERM|syntax error/i;

/** Options of a subscriber connection: connected by hand, never retried or queued by ioredis (we replace it ourselves). */
const SUBSCRIBER_OPTIONS: RedisOptions = {
  // RESP2 on ioredis 6 too (its default is RESP3, where the redirected invalidations arrive as push
  // frames rather than `__redis__:invalidate` messages); ioredis 5 speaks RESP2 and ignores it.
  ...({ protocol: 2 } as RedisOptions),
  lazyConnect: true,
  retryStrategy: () => null,
  reconnectOnError: null,
  autoResubscribe: false,
  autoResendUnfulfilledCommands: false,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  connectionName: 'tokenkit:invalidations',
};

/** One connection that broadcasts-tracks the prefix and receives the invalidations for one node. */
class Subscriber {
  ready = false;
  id: number | undefined;
  private dead = false;
  private heartbeat: NodeJS.Timeout | undefined;
  /** When the outstanding PING was sent (monotonic ms), or undefined. */
  private pingSent: number | undefined;
  /** When this connection last proved it is current (monotonic ms): set up, or a PONG. */
  lastPong = 0;

  constructor(
    private readonly channel: InvalidationChannel,
    readonly node: string,
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly setupTimeoutMs: number,
    private readonly heartbeatTimeoutMs: number,
    readonly failures: number,
  ) {}

  start(): void {
    const connection = this.connection;
    connection.on('error', () => {
      // Errors end in 'close', handled below.
    });
    connection.once('close', () => this.fail());
    connection.once('end', () => this.fail());
    connection.on('messageBuffer', (channel: Buffer, message: unknown) => {
      if (!this.dead && String(channel) === INVALIDATE) this.channel.message(message);
    });
    const timer = setTimeout(() => this.fail(), this.setupTimeoutMs);
    timer.unref();
    this.setup().then(
      () => {
        clearTimeout(timer);
        if (this.dead) return;
        this.ready = true;
        this.lastPong = performance.now();
        this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
        this.heartbeat.unref();
        this.channel.up(this);
      },
      (err: unknown) => {
        clearTimeout(timer);
        // Redis < 6, or an ACL without CLIENT/SUBSCRIBE: retrying cannot help.
        if (!this.dead && UNSUPPORTED.test(err instanceof Error ? err.message : String(err))) this.channel.unsupported(err);
        this.fail();
      },
    );
  }

  private async setup(): Promise<void> {
    const connection = this.connection;
    await connection.connect();
    // A background connection must not keep an otherwise finished process alive.
    (connection as unknown as { stream?: { unref?: () => void } }).stream?.unref?.();
    const id = Number(await connection.client('ID'));
    await connection.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(id), 'BCAST', 'PREFIX', this.prefix);
    await connection.subscribe(INVALIDATE);
    this.id = id;
  }

  private beat(): void {
    if (this.dead) return;
    const now = performance.now();
    if (this.pingSent !== undefined) {
      if (now - this.pingSent > this.heartbeatTimeoutMs) this.fail();
      return;
    }
    this.pingSent = now;
    this.connection.ping().then(
      () => {
        this.pingSent = undefined;
        if (this.dead) return;
        // Sent at `now`: every invalidation queued before then has arrived.
        this.lastPong = now;
        this.channel.renewLease();
      },
      () => this.fail(),
    );
  }

  /** Closes the connection and tells the channel (which empties the cache and replaces it). */
  fail(): void {
    if (this.dead) return;
    this.dead = true;
    this.ready = false;
    clearInterval(this.heartbeat);
    this.connection.disconnect();
    this.channel.down(this);
  }

  async close(): Promise<void> {
    this.dead = true;
    this.ready = false;
    clearInterval(this.heartbeat);
    this.connection.disconnect();
  }
}

function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

function nodeKey(node: Redis): string {
  return `${node.options.host ?? '127.0.0.1'}:${node.options.port ?? 6379}`;
}

function backoff(failures: number): number {
  return Math.min(50 * 2 ** Math.min(failures, 5), 1000);
}
