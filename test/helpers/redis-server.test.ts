import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisCluster, RedisServer } from './redis-server.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A killed child of an exited parent can linger as a zombie until reaped: count it as gone.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('RedisServer helper', () => {
  const started: RedisServer[] = [];
  afterAll(async () => {
    await Promise.all(started.map((s) => s.dispose()));
  });

  it('starts on a free port, answers, and is stopped by PID', async () => {
    const server = await RedisServer.start();
    started.push(server);
    expect(server.pid).toBeGreaterThan(0);
    expect(await server.command('PING')).toBe('PONG');
    const other = await RedisServer.start();
    started.push(other);
    expect(other.port).not.toBe(server.port);
    await other.stop();
    expect(other.running).toBe(false);
    expect(other.pid).toBeUndefined();
    await expect(other.command('PING')).rejects.toThrow();
    expect(await server.command('PING')).toBe('PONG');
  });

  it('SIGKILL then restart on the same port keeps AOF data', async () => {
    const server = await RedisServer.start({ appendonly: true });
    started.push(server);
    const port = server.port;
    expect(await server.command('SET', 'survivor', 'yes')).toBe('OK');
    const pid = server.pid;
    await server.kill('SIGKILL');
    expect(server.running).toBe(false);
    await expect(server.command('PING')).rejects.toThrow();
    await server.restart();
    expect(server.port).toBe(port);
    expect(server.pid).not.toBe(pid);
    expect(await server.command('GET', 'survivor')).toBe('yes');
  });

  it('pause makes the server hang without closing sockets; resume continues', async () => {
    const server = await RedisServer.start();
    started.push(server);
    await server.pause();
    expect(server.running).toBe(true);
    await expect(server.command('PING')).rejects.toThrow(/no reply/);
    await server.resume();
    expect(await server.command('PING')).toBe('PONG');
  });

  it('when its owner process is SIGKILLed, the watchdog kills the server by PID and removes its dir', async () => {
    const owner = spawn('sleep', ['30'], { stdio: 'ignore' });
    const server = await RedisServer.start({ ownerPid: owner.pid! });
    const pid = server.pid!;
    expect(alive(pid)).toBe(true);
    owner.kill('SIGKILL');
    await expect.poll(() => alive(pid), { timeout: 5000, interval: 100 }).toBe(false);
    await expect.poll(() => existsSync(server.dir), { timeout: 2000, interval: 100 }).toBe(false);
    await server.dispose();
  });

  it('dispose removes the temp dir', async () => {
    const server = await RedisServer.start();
    expect(existsSync(server.dir)).toBe(true);
    await server.dispose();
    expect(existsSync(server.dir)).toBe(false);
  });
});

describe('RedisCluster helper', () => {
  it('forms a cluster of 3 masters with 1 replica each and stops every node', async () => {
    const cluster = await RedisCluster.start({ masters: 3, replicasPerMaster: 1 });
    try {
      expect(cluster.nodes).toHaveLength(6);
      expect(cluster.startupNodes).toHaveLength(6);
      const info = await cluster.nodes[0]!.command('CLUSTER', 'INFO');
      expect(info).toContain('cluster_state:ok');
      expect(info).toContain('cluster_slots_assigned:16384');
      expect(await cluster.masters()).toHaveLength(3);
      await expect.poll(async () => (await cluster.replicas()).length, { timeout: 10_000 }).toBe(3);
      // Every master confirms a write (WAIT 1) once its replica is attached…
      await cluster.waitReplicated(1);
      // …and a shard whose replica is frozen does not: the wait gives up, naming what each node reported.
      const [replica] = await cluster.replicas();
      await replica!.pause();
      try {
        await expect(cluster.waitReplicated(1, { waitMs: 100, timeoutMs: 500 })).rejects.toThrow(
          /writes not confirmed by 1 replica\(s\) on every master after 500 ms \(\d+: WAIT 1 100 answered 0\)/,
        );
      } finally {
        await replica!.resume();
      }
    } finally {
      await cluster.dispose();
    }
    expect(cluster.nodes.every((n) => !n.running)).toBe(true);
  });
});
