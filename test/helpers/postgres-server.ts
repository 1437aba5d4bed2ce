/**
 * A private PostgreSQL cluster for the stop/restart fault test: `initdb` in a
 * temp dir, started with `pg_ctl` on a free port, stopped and started at will,
 * removed on dispose(). Never touches the shared server on 5432. When run as
 * root, the cluster runs as the `postgres` OS user (initdb refuses root).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN_DIRS = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'];

/** @returns the directory holding initdb/pg_ctl, or null when PostgreSQL's server binaries are missing */
export function postgresBinDir(): string | null {
  return BIN_DIRS.find((dir) => existsSync(join(dir, 'initdb'))) ?? null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export class PrivatePostgres {
  private constructor(
    readonly bin: string,
    readonly dir: string,
    readonly port: number,
    private readonly uid: number | undefined,
    private readonly gid: number | undefined,
  ) {}

  /** Connection string of the cluster's `postgres` database. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Creates and starts a cluster (a few seconds). */
  static async start(): Promise<PrivatePostgres> {
    const bin = postgresBinDir();
    if (!bin) throw new Error('PostgreSQL server binaries (initdb) not found');
    const root = process.getuid?.() === 0;
    const uid = root ? Number(execFileSync('id', ['-u', 'postgres']).toString().trim()) : undefined;
    const gid = root ? Number(execFileSync('id', ['-g', 'postgres']).toString().trim()) : undefined;
    const dir = mkdtempSync(join(tmpdir(), 'tokenkit-pg-'));
    if (uid !== undefined && gid !== undefined) chownSync(dir, uid, gid);
    const server = new PrivatePostgres(bin, dir, await freePort(), uid, gid);
    server.exec('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    server.startServer();
    return server;
  }

  private exec(tool: string, args: string[]): void {
    execFileSync(join(this.bin, tool), args, { stdio: 'ignore', timeout: 60_000, uid: this.uid, gid: this.gid });
  }

  /** Starts (or restarts after stop()) the server and waits until it accepts connections. */
  startServer(): void {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB`;
    this.exec('pg_ctl', ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-o', options, '-w', 'start']);
  }

  /** Stops the server at once (`-m immediate`: like a crash, connections dropped). */
  stop(): void {
    this.exec('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  }

  /** Stops the server (if running) and removes its directory. */
  dispose(): void {
    try {
      this.stop();
    } catch {
      // Already stopped.
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
