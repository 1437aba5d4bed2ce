/**
 * Behind PgBouncer in transaction mode with a server pool of 2 (so every
 * client connection's statements land on whichever server connection is
 * free): migrate() and the whole conformance kit, plus the races of 200
 * callers. Skipped when pgbouncer is not installed (Debian: apt-get install
 * pgbouncer). PgBouncer runs from a temp dir on a free port and is stopped by
 * PID afterwards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreConformance } from '@tokenkit/core/testing';
import { PostgresStore } from '@tokenkit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, dumpSchema, makePool, uniqueSchema, warmPool } from './harness.js';

const PGBOUNCER = '/usr/sbin/pgbouncer';

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

describe.skipIf(!existsSync(PGBOUNCER))('PostgresStore behind PgBouncer (transaction mode, 2 server connections)', () => {
  let bouncer: ChildProcess;
  let dir: string;
  let url: string;
  let output = '';

  beforeAll(async () => {
    const upstream = new URL(DATABASE_URL);
    const port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'tokenkit-pgbouncer-'));
    chmodSync(dir, 0o777);
    const ini = join(dir, 'pgbouncer.ini');
    writeFileSync(join(dir, 'users.txt'), `"${decodeURIComponent(upstream.username || 'postgres')}" ""\n`);
    writeFileSync(
      ini,
      [
        '[databases]',
        `bounced = host=${upstream.hostname} port=${upstream.port || 5432} dbname=${upstream.pathname.slice(1)} user=${decodeURIComponent(upstream.username || 'postgres')}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        `unix_socket_dir = ${dir}`,
        'auth_type = trust',
        `auth_file = ${join(dir, 'users.txt')}`,
        'pool_mode = transaction',
        'default_pool_size = 2',
        'max_client_conn = 200',
        'ignore_startup_parameters = extra_float_digits,statement_timeout,application_name',
        `pidfile = ${join(dir, 'pgbouncer.pid')}`,
        '',
      ].join('\n'),
    );
    chmodSync(ini, 0o644);
    const asRoot = process.getuid?.() === 0;
    bouncer = spawn(PGBOUNCER, [...(asRoot ? ['-u', 'postgres'] : []), ini], { stdio: ['ignore', 'pipe', 'pipe'] });
    bouncer.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    bouncer.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    url = `postgres://${upstream.username || 'postgres'}@127.0.0.1:${port}/bounced`;
    const probe = makePool({ connectionString: url, max: 1 });
    try {
      for (let i = 0; ; i++) {
        try {
          await probe.query('SELECT 1');
          break;
        } catch (error) {
          if (i > 50) throw new Error(`pgbouncer did not answer: ${String(error)}\n${output}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    } finally {
      await probe.end();
    }
  }, 30_000);

  afterAll(() => {
    if (bouncer?.exitCode === null) bouncer.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('migrate() and every conformance case pass through it', async () => {
    const schema = uniqueSchema();
    // Ten client connections multiplexed over two server connections.
    const pool = makePool({ connectionString: url, max: 10, idleTimeoutMillis: 0 });
    try {
      // All client connections open before the first case (see warmHarness in conformance.test.ts).
      await warmPool(pool);
      const result = await runStoreConformance(
        async () => {
          // 30 s deadline: one case queues 2000 counted uses of one record (see conformance.test.ts).
          const store = new PostgresStore({ pool, schema, sweepIntervalMs: 0, timeout: 30_000 });
          await store.migrate();
          return store;
        },
        { dump: () => dumpSchema(pool, schema), teardown: async () => {} },
      );
      if (result.failed.length > 0) console.error(result.failed.map((f) => `${f.name}\n${f.error}`).join('\n\n'));
      expect(result.failed).toEqual([]);
      expect(result.skipped).toEqual([]);
      expect(result.passed.length).toBeGreaterThan(20);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    }
  }, 120_000);
});
