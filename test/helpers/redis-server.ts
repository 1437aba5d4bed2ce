/**
 * Real `redis-server` processes for tests: single servers (optionally with
 * AOF, on a fixed port so a killed server can come back where clients expect
 * it) and Redis Clusters of N masters (+ replicas). Every process runs in its
 * own temp dir on a free loopback port and is stopped by PID — never by name,
 * so parallel test runs and other users' servers are left alone. A process
 * `exit` hook SIGKILLs whatever a failed test left running, and a per-server
 * watchdog does the same if the test process itself is killed.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Options of {@link RedisServer.start}. */
export interface RedisServerOptions {
  /** Fixed port; default a free one (and, for cluster nodes, one whose bus port +10000 is free too). */
  port?: number;
  /** Address to bind (default `127.0.0.1`). */
  host?: string;
  /** `appendonly yes` with `appendfsync always`, so a SIGKILLed server restarts with its data. */
  appendonly?: boolean;
  /** `cluster-enabled yes` (use {@link RedisCluster.start} to form a cluster). */
  cluster?: boolean;
  /** Cluster node timeout in ms (default 2000) — how fast failover reacts. */
  clusterNodeTimeoutMs?: number;
  /** Extra config as `['--name', 'value', …]`, appended last. */
  args?: string[];
  /** Data directory; default a fresh temp dir that {@link RedisServer.dispose} removes. */
  dir?: string;
  /** How long to wait for the first PONG (default 10 000 ms). */
  startTimeoutMs?: number;
  /** Process whose death makes the watchdog SIGKILL this server (default: the current process). */
  ownerPid?: number;
}

/** Processes still running, SIGKILLed if the test process exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

const TERMINATING: ReadonlySet<NodeJS.Signals> = new Set(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGQUIT']);

/**
 * One `redis-server` process.
 *
 * @example
 * ```ts
 * const server = await RedisServer.start({ appendonly: true })
 * const client = new Redis(server.port, server.host)
 * await server.kill('SIGKILL') // crash it
 * await server.restart()       // same port, same data dir
 * await server.dispose()       // stop and delete the temp dir
 * ```
 */
export class RedisServer {
  /** Bound address. */
  readonly host: string;
  /** Data directory (AOF, cluster config, `redis.log`). */
  readonly dir: string;
  private currentPort: number;
  private readonly options: RedisServerOptions;
  private readonly ownsDir: boolean;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private spawnError: Error | undefined;

  private constructor(options: RedisServerOptions, port: number, dir: string, ownsDir: boolean) {
    this.options = options;
    this.host = options.host ?? '127.0.0.1';
    this.currentPort = port;
    this.dir = dir;
    this.ownsDir = ownsDir;
  }

  /**
   * Starts a server and waits until it answers PING.
   *
   * @param options - port, persistence, cluster mode, extra args
   * @returns the running server
   * @example
   * ```ts
   * const server = await RedisServer.start()
   * ```
   */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    installExitHook();
    const ownsDir = options.dir === undefined;
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'tokenkit-redis-')));
    const fixed = options.port !== undefined;
    for (let attempt = 0; ; attempt++) {
      const port = options.port ?? (await freePort(options.cluster === true));
      const server = new RedisServer(options, port, dir, ownsDir);
      try {
        await server.launch();
        return server;
      } catch (err) {
        // Another process may have taken the port between the probe and the bind: pick another.
        if (fixed || attempt >= 4) {
          if (ownsDir) await rm(dir, { recursive: true, force: true });
          throw err;
        }
      }
    }
  }

  /** Listening port (stays the same across {@link restart}). */
  get port(): number {
    return this.currentPort;
  }

  /** `redis://host:port`. */
  get url(): string {
    return `redis://${this.host}:${this.currentPort}`;
  }

  /** PID of the running process, undefined when stopped. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** Whether the process is alive (a paused process counts as running). */
  get running(): boolean {
    const child = this.child;
    return child !== undefined && this.spawnError === undefined && child.exitCode === null && child.signalCode === null;
  }

  /**
   * Sends one command (inline protocol) and returns the reply as text.
   *
   * @param args - command and arguments without spaces, e.g. `['CLUSTER', 'INFO']`
   * @returns the status, integer or bulk reply as a string
   * @example
   * ```ts
   * await server.command('INFO', 'commandstats')
   * ```
   */
  command(...args: string[]): Promise<string> {
    return sendInline(this.host, this.currentPort, args);
  }

  /**
   * Opens a MONITOR connection that records every command the server runs.
   * Commands a Lua script runs internally have `source: 'lua'`; everything
   * else is a client round trip.
   *
   * @returns the monitor; call `close()` when done
   * @example
   * ```ts
   * const monitor = await server.monitor()
   * // … run commands …
   * const roundTrips = monitor.events.filter((e) => e.source !== 'lua').length
   * monitor.close()
   * ```
   */
  monitor(): Promise<RedisMonitor> {
    return RedisMonitor.open(this.host, this.currentPort);
  }

  /**
   * Sends a signal by PID. For terminating signals it waits until the
   * process has exited; `SIGSTOP`/`SIGCONT` return at once (a stopped server
   * keeps its sockets open but never answers — a "hung" Redis).
   *
   * @param signal - default `SIGKILL`
   * @returns when the signal was delivered (and the process is gone, for terminating ones)
   * @example
   * ```ts
   * await server.kill('SIGSTOP'); await server.kill('SIGCONT')
   * ```
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill(signal);
    if (TERMINATING.has(signal)) await this.exited;
  }

  /**
   * Freezes the process (`SIGSTOP`): connections stay open, nothing answers.
   *
   * @returns when the signal was sent
   * @example
   * ```ts
   * await server.pause(); await server.resume()
   * ```
   */
  pause(): Promise<void> {
    return this.kill('SIGSTOP');
  }

  /**
   * Continues a paused process (`SIGCONT`).
   *
   * @returns when the signal was sent
   * @example
   * ```ts
   * await server.resume()
   * ```
   */
  resume(): Promise<void> {
    return this.kill('SIGCONT');
  }

  /**
   * Stops the process gracefully (SIGTERM, SIGKILL after 5 s) and keeps the
   * data directory, so {@link restart} can bring the same data back.
   *
   * @returns when the process has exited
   * @example
   * ```ts
   * await server.stop()
   * ```
   */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    // A paused process would not handle SIGTERM until continued.
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  /**
   * Starts the server again on the same port and data dir (after a kill or
   * stop; a running server is stopped first).
   *
   * @returns when it answers PING again
   * @example
   * ```ts
   * await server.kill(); await server.restart()
   * ```
   */
  async restart(): Promise<void> {
    await this.stop();
    const deadline = Date.now() + 5000;
    // The old listening socket can take a moment to be released by the kernel.
    for (;;) {
      try {
        await this.launch();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(100);
      }
    }
  }

  /**
   * Stops the process and removes the temp dir this helper created.
   *
   * @returns when both are done
   * @example
   * ```ts
   * afterAll(() => server.dispose())
   * ```
   */
  async dispose(): Promise<void> {
    await this.stop();
    if (this.ownsDir) await rm(this.dir, { recursive: true, force: true });
  }

  private args(): string[] {
    const o = this.options;
    const args = [
      '--port',
      String(this.currentPort),
      '--bind',
      this.host,
      '--dir',
      this.dir,
      '--logfile',
      'redis.log',
      '--daemonize',
      'no',
      '--protected-mode',
      'no',
      '--save',
      '',
      '--appendonly',
      o.appendonly ? 'yes' : 'no',
    ];
    if (o.appendonly) args.push('--appendfsync', 'always');
    if (o.cluster) {
      args.push(
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        String(o.clusterNodeTimeoutMs ?? 2000),
      );
    }
    return [...args, ...(o.args ?? [])];
  }

  private async launch(): Promise<void> {
    const child = spawn('redis-server', this.args(), { stdio: 'ignore' });
    this.child = child;
    live.add(child);
    this.spawnError = undefined;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        live.delete(child);
        resolve();
      });
      // Spawn failures (no redis-server binary) may never emit 'exit'.
      child.once('error', (err) => {
        this.spawnError = err;
        live.delete(child);
        resolve();
      });
    });
    if (child.pid !== undefined) this.watch(child.pid);
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 10_000);
    for (;;) {
      if (!this.running) {
        // Set asynchronously by the 'error' listener, which control-flow narrowing cannot see.
        const spawnError = this.spawnError as Error | undefined;
        const reason = spawnError?.message ?? (await this.logTail());
        throw new Error(`redis-server on port ${this.currentPort} exited at start: ${reason}`);
      }
      try {
        if ((await this.command('PING')) === 'PONG') return;
      } catch {
        // not listening yet, or -LOADING while it replays the AOF
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        await this.exited;
        throw new Error(`redis-server on port ${this.currentPort} did not answer PING: ${await this.logTail()}`);
      }
      await sleep(20);
    }
  }

  /**
   * The 'exit' hook cannot run when the test process is SIGKILLed (a test
   * runner tearing down a worker, a crash). A detached watchdog shell polls
   * the test process once a second and, only when it is gone, SIGKILLs this
   * server by PID (and removes the temp dir this helper created). It exits on
   * its own as soon as the server does.
   */
  private watch(serverPid: number): void {
    const cleanup = this.ownsDir ? ' ; rm -rf "$3"' : '';
    const script =
      'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; ' +
      `kill -0 "$1" 2>/dev/null || { kill -9 "$2" 2>/dev/null${cleanup}; }`;
    const owner = String(this.options.ownerPid ?? process.pid);
    const watchdog = spawn('sh', ['-c', script, 'sh', owner, String(serverPid), this.dir], {
      stdio: 'ignore',
      detached: true,
    });
    watchdog.on('error', () => {});
    watchdog.unref();
  }

  private async logTail(): Promise<string> {
    try {
      return (await readFile(join(this.dir, 'redis.log'), 'utf8')).split('\n').slice(-5).join('\n');
    } catch {
      return '(no redis.log — is redis-server installed?)';
    }
  }
}

/** One command seen by {@link RedisMonitor}. */
export interface MonitorEvent {
  /** Lower-case command name, e.g. `evalsha`. */
  command: string;
  /** Arguments after the command name. */
  args: string[];
  /** `ip:port` of the client, or `lua` for commands a script ran. */
  source: string;
}

/**
 * A raw MONITOR connection (no Redis library: ioredis' monitor parser is not
 * needed and MONITOR lines are simple).
 */
export class RedisMonitor {
  /** Every command seen so far, in order. */
  readonly events: MonitorEvent[] = [];
  private readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
  }

  /**
   * @param host - server address
   * @param port - server port
   * @returns a monitor that is already receiving
   * @example
   * ```ts
   * const monitor = await RedisMonitor.open('127.0.0.1', 6379)
   * ```
   */
  static open(host: string, port: number): Promise<RedisMonitor> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host, port });
      const monitor = new RedisMonitor(socket);
      let pending = '';
      let started = false;
      socket.once('error', reject);
      socket.once('connect', () => socket.write('MONITOR\r\n'));
      socket.on('data', (chunk: Buffer) => {
        pending += chunk.toString('latin1');
        let end = pending.indexOf('\r\n');
        while (end >= 0) {
          const line = pending.slice(0, end);
          pending = pending.slice(end + 2);
          if (!started && line === '+OK') {
            started = true;
            resolve(monitor);
          } else {
            const event = parseMonitorLine(line);
            if (event) monitor.events.push(event);
          }
          end = pending.indexOf('\r\n');
        }
      });
    });
  }

  /**
   * Closes the MONITOR connection.
   *
   * @example
   * ```ts
   * monitor.close()
   * ```
   */
  close(): void {
    this.socket.destroy();
  }
}

/** Parses `+<time> [<db> <source>] "cmd" "arg" …` (arguments escaped like sdscatrepr). */
function parseMonitorLine(line: string): MonitorEvent | null {
  const head = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] /.exec(line);
  if (!head) return null;
  const args: string[] = [];
  let i = head[0].length;
  while (i < line.length) {
    if (line[i] !== '"') {
      i++;
      continue;
    }
    let value = '';
    i++;
    while (i < line.length && line[i] !== '"') {
      if (line[i] === '\\') {
        const next = line[i + 1];
        if (next === 'x') {
          value += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16));
          i += 4;
          continue;
        }
        value += next === 'n' ? '\n' : next === 'r' ? '\r' : next === 't' ? '\t' : (next ?? '');
        i += 2;
        continue;
      }
      value += line[i];
      i++;
    }
    args.push(value);
    i++;
  }
  const [command = '', ...rest] = args;
  return { command: command.toLowerCase(), args: rest, source: head[1]! };
}

/** Options of {@link RedisCluster.start}. */
export interface RedisClusterOptions {
  /** Number of masters (default 3, the minimum `redis-cli --cluster create` accepts). */
  masters?: number;
  /** Replicas per master (default 0). */
  replicasPerMaster?: number;
  /** `cluster-node-timeout` in ms (default 2000). */
  nodeTimeoutMs?: number;
  /** Extra `redis-server` args for every node. */
  args?: string[];
}

/**
 * A Redis Cluster made of {@link RedisServer} processes and joined with
 * `redis-cli --cluster create … --cluster-yes`.
 *
 * @example
 * ```ts
 * const cluster = await RedisCluster.start({ masters: 3 })
 * const client = new Redis.Cluster(cluster.startupNodes)
 * await cluster.dispose()
 * ```
 */
export class RedisCluster {
  /** Every node, in creation order (the first `masters` were created as masters). */
  readonly nodes: readonly RedisServer[];

  private constructor(nodes: RedisServer[]) {
    this.nodes = nodes;
  }

  /**
   * Starts the nodes, creates the cluster and waits until every node reports
   * `cluster_state:ok` and knows all the others.
   *
   * @param options - masters, replicas, node timeout
   * @returns the running cluster
   * @example
   * ```ts
   * const cluster = await RedisCluster.start({ masters: 3, replicasPerMaster: 1 })
   * ```
   */
  static async start(options: RedisClusterOptions = {}): Promise<RedisCluster> {
    const masters = options.masters ?? 3;
    const replicas = options.replicasPerMaster ?? 0;
    if (masters < 3) throw new RangeError('a Redis Cluster needs at least 3 masters');
    const nodes: RedisServer[] = [];
    try {
      for (let i = 0; i < masters * (1 + replicas); i++) {
        nodes.push(
          await RedisServer.start({
            cluster: true,
            clusterNodeTimeoutMs: options.nodeTimeoutMs ?? 2000,
            ...(options.args ? { args: options.args } : {}),
          }),
        );
      }
      await execFileAsync(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...nodes.map((n) => `${n.host}:${n.port}`),
          '--cluster-replicas',
          String(replicas),
          '--cluster-yes',
        ],
        { timeout: 30_000 },
      );
      const cluster = new RedisCluster(nodes);
      await cluster.waitHealthy();
      return cluster;
    } catch (err) {
      await Promise.all(nodes.map((n) => n.dispose()));
      throw err;
    }
  }

  /** `{ host, port }` of every node, for `new Redis.Cluster(startupNodes)`. */
  get startupNodes(): Array<{ host: string; port: number }> {
    return this.nodes.map((n) => ({ host: n.host, port: n.port }));
  }

  /**
   * Waits until every running node reports `cluster_state:ok` and knows all nodes.
   *
   * @param timeoutMs - default 20 000
   * @returns when healthy
   * @example
   * ```ts
   * await cluster.waitHealthy()
   * ```
   */
  async waitHealthy(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const running = this.nodes.filter((n) => n.running);
      const infos = await Promise.all(running.map((n) => n.command('CLUSTER', 'INFO').catch(() => '')));
      const healthy = infos.every(
        (info) => info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${this.nodes.length}`),
      );
      if (healthy) return;
      if (Date.now() > deadline) throw new Error(`cluster not healthy after ${timeoutMs} ms:\n${infos.join('\n')}`);
      await sleep(50);
    }
  }

  /**
   * Waits until every slot is served by a master that has `replicas` online
   * replicas confirming its writes: on each master a fresh connection writes
   * a short-lived probe key in one of its slots and runs `WAIT replicas
   * waitMs` — exactly what a `waitForReplicas` store does. After a failover
   * or a restart the old master needs a moment to re-attach (and resync) as
   * a replica of the new one; until then that shard rightly refuses
   * confirmed writes, so tests that assert on confirmed writes wait here.
   *
   * @param replicas - replicas each master must have (default 1)
   * @param options - `waitMs` per WAIT (default 500), `timeoutMs` overall (default 30 000)
   * @returns when every master confirmed a probe write
   * @throws with every node's `INFO replication` when the deadline passes
   * @example
   * ```ts
   * await promoted.command('CLUSTER', 'FAILOVER')
   * await cluster.waitReplicated()
   * ```
   */
  async waitReplicated(replicas = 1, options: { waitMs?: number; timeoutMs?: number } = {}): Promise<void> {
    const waitMs = options.waitMs ?? 500;
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      try {
        const masters = await this.slotOwners();
        const covered = masters.reduce((sum, m) => sum + m.slots.reduce((n, [from, to]) => n + to - from + 1, 0), 0);
        if (covered !== 16_384) throw new Error(`masters serve ${covered} of 16384 slots`);
        for (const { node, slots } of masters) {
          const key = `tokenkit-probe:{${tagForSlot(slots[0]![0])}}`;
          const [set, acked] = await sendInlineMany(node.host, node.port, [
            ['SET', key, '1', 'PX', '5000'],
            ['WAIT', String(replicas), String(waitMs)],
          ]);
          if (set !== 'OK') throw new Error(`${node.port}: SET answered ${set}`);
          if (Number(acked) < replicas) throw new Error(`${node.port}: WAIT ${replicas} ${waitMs} answered ${acked}`);
        }
        return;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) {
        const infos = await Promise.all(
          this.nodes.map(async (n) => `${n.port}: ${(await n.command('INFO', 'replication').catch((e: Error) => e.message)).replace(/\r?\n/g, ' ')}`),
        );
        throw new Error(`writes not confirmed by ${replicas} replica(s) on every master after ${timeoutMs} ms (${last}):\n${infos.join('\n')}`);
      }
      await sleep(50);
    }
  }

  /**
   * The nodes that are currently masters (asks the cluster: failovers change roles).
   *
   * @returns master nodes that answered
   * @example
   * ```ts
   * const [first] = await cluster.masters(); await first.kill()
   * ```
   */
  async masters(): Promise<RedisServer[]> {
    return this.withRole('master');
  }

  /**
   * The nodes that are currently replicas.
   *
   * @returns replica nodes that answered
   * @example
   * ```ts
   * const replicas = await cluster.replicas()
   * ```
   */
  async replicas(): Promise<RedisServer[]> {
    return this.withRole('slave');
  }

  /**
   * Stops every node and removes their temp dirs.
   *
   * @returns when all are gone
   * @example
   * ```ts
   * afterAll(() => cluster.dispose())
   * ```
   */
  async dispose(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.dispose()));
  }

  /** Masters that answer, with the slot ranges each says it serves (`CLUSTER NODES`, `myself` line). */
  private async slotOwners(): Promise<Array<{ node: RedisServer; slots: Array<[number, number]> }>> {
    const out: Array<{ node: RedisServer; slots: Array<[number, number]> }> = [];
    for (const node of await this.masters()) {
      const myself = (await node.command('CLUSTER', 'NODES')).split('\n').find((line) => line.includes('myself'));
      const slots = (myself?.split(' ').slice(8) ?? [])
        .filter((range) => /^\d+(-\d+)?$/.test(range))
        .map((range): [number, number] => {
          const [from, to = from] = range.split('-');
          return [Number(from), Number(to)];
        });
      if (slots.length > 0) out.push({ node, slots });
    }
    return out;
  }

  private async withRole(role: 'master' | 'slave'): Promise<RedisServer[]> {
    const out: RedisServer[] = [];
    for (const node of this.nodes) {
      if (!node.running) continue;
      const info = await node.command('INFO', 'replication').catch(() => '');
      if (info.includes(`role:${role}`)) out.push(node);
    }
    return out;
  }
}

/**
 * Finds a loopback port nobody listens on. Cluster nodes also need port +
 * 10000 (the cluster bus), so those come from 20000–29999.
 */
async function freePort(withBusPort: boolean): Promise<number> {
  if (!withBusPort) return listenProbe(0);
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    try {
      await listenProbe(port);
      await listenProbe(port + 10_000);
      return port;
    } catch {
      // taken: try another
    }
  }
  throw new Error('no free port pair for a cluster node');
}

function listenProbe(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

/** CRC16/XMODEM, the Cluster key-slot hash. */
function crc16(text: string): number {
  let crc = 0;
  for (const byte of Buffer.from(text)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

const slotTags = new Map<number, string>();

/** A hash tag whose keys live in `slot`. */
function tagForSlot(slot: number): string {
  if (slotTags.size === 0) {
    for (let i = 0; slotTags.size < 16_384; i++) {
      const tag = `t${i}`;
      const s = crc16(tag) % 16_384;
      if (!slotTags.has(s)) slotTags.set(s, tag);
    }
  }
  return slotTags.get(slot)!;
}

/**
 * Sends several inline commands on ONE connection (so e.g. `WAIT` counts the
 * replicas that acknowledged this connection's `SET`) and returns each
 * status, integer or bulk reply as text; an error reply rejects.
 */
function sendInlineMany(host: string, port: number, commands: string[][], timeoutMs = 5000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    let buffer = Buffer.alloc(0);
    const replies: string[] = [];
    const done = (err: Error | null) => {
      socket.destroy();
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(replies);
    };
    const timer = setTimeout(() => done(new Error(`no reply from ${host}:${port}`)), timeoutMs);
    socket.once('error', (err) => done(err));
    socket.once('connect', () => socket.write(commands.map((args) => `${args.join(' ')}\r\n`).join('')));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const lineEnd = buffer.indexOf('\r\n');
        if (lineEnd < 0) return;
        const head = buffer.subarray(0, lineEnd).toString();
        const rest = head.slice(1);
        let used = lineEnd + 2;
        if (head[0] === '-') return done(new Error(rest));
        if (head[0] === '$') {
          const length = Number(rest);
          if (length >= 0) {
            if (buffer.length < used + length + 2) return;
            replies.push(buffer.subarray(used, used + length).toString());
            used += length + 2;
          } else replies.push('');
        } else if (head[0] === '+' || head[0] === ':') replies.push(rest);
        else return done(new Error(`unexpected reply ${JSON.stringify(head)}`));
        buffer = buffer.subarray(used);
        if (replies.length === commands.length) return done(null);
      }
    });
  });
}

/**
 * Minimal RESP client for one inline command: enough for PING, INFO and
 * CLUSTER INFO/NODES without depending on a Redis library.
 */
function sendInline(host: string, port: number, args: string[], timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    let buffer = Buffer.alloc(0);
    const done = (err: Error | null, value?: string) => {
      socket.destroy();
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value ?? '');
    };
    const timer = setTimeout(() => done(new Error(`no reply from ${host}:${port}`)), timeoutMs);
    socket.once('error', (err) => done(err));
    socket.once('connect', () => socket.write(`${args.join(' ')}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const lineEnd = buffer.indexOf('\r\n');
      if (lineEnd < 0) return;
      const head = buffer.subarray(0, lineEnd).toString();
      const type = head[0];
      const rest = head.slice(1);
      if (type === '+' || type === ':') return done(null, rest);
      if (type === '-') return done(new Error(rest));
      if (type === '$') {
        const length = Number(rest);
        if (length < 0) return done(null, '');
        if (buffer.length >= lineEnd + 2 + length) {
          return done(null, buffer.subarray(lineEnd + 2, lineEnd + 2 + length).toString());
        }
        return;
      }
      done(new Error(`unexpected reply ${JSON.stringify(head)}`));
    });
  });
}
