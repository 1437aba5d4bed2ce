// A private PostgreSQL cluster for the soak's Postgres phase: initdb in a temp
// dir, pg_ctl on a free port, stopped (-m immediate: a crash, connections
// dropped) and started at will, removed at the end. Never touches the shared
// server on 5432. As root, the cluster runs as the `postgres` OS user.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN_DIRS = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'];

/** @returns {string | null} the directory of initdb/pg_ctl, or null when PostgreSQL's server binaries are missing */
export function postgresBinDir() {
  return BIN_DIRS.find((dir) => existsSync(join(dir, 'initdb'))) ?? null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export class PrivatePostgres {
  constructor(bin, dir, port, uid, gid) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
    this.uid = uid;
    this.gid = gid;
  }

  /** Connection string of the cluster's `postgres` database. */
  get url() {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start() {
    const bin = postgresBinDir();
    if (!bin) throw new Error('PostgreSQL server binaries (initdb) not found');
    const root = process.getuid?.() === 0;
    const uid = root ? Number(execFileSync('id', ['-u', 'postgres']).toString().trim()) : undefined;
    const gid = root ? Number(execFileSync('id', ['-g', 'postgres']).toString().trim()) : undefined;
    const dir = mkdtempSync(join(tmpdir(), 'tokenkit-soak-pg-'));
    if (uid !== undefined) chownSync(dir, uid, gid);
    const server = new PrivatePostgres(bin, dir, await freePort(), uid, gid);
    server.exec('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    server.startServer();
    return server;
  }

  exec(tool, args) {
    execFileSync(join(this.bin, tool), args, { stdio: 'ignore', timeout: 60_000, uid: this.uid, gid: this.gid });
  }

  /** Starts (or restarts) the server and waits until it accepts connections. */
  startServer() {
    // fsync off: a crash of PostgreSQL (not of the OS) still keeps every commit (the WAL is written at commit).
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
    this.exec('pg_ctl', ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-o', options, '-w', 'start']);
  }

  /** Stops the server at once (`-m immediate`: like a crash). */
  stop() {
    this.exec('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  }

  dispose() {
    try {
      this.stop();
    } catch {
      // Already stopped.
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
