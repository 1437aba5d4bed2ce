// Small Redis Cluster helpers on top of test/helpers/redis-server.ts: who
// replicates whom, which slots a node serves, and waiting for failovers and
// for replicas to have acknowledged everything.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * CRC16-XMODEM, as Redis Cluster computes key slots.
 * @param {string} text
 */
function crc16(text) {
  let crc = 0;
  for (const byte of Buffer.from(text)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/**
 * Slot of a record whose hash tag is `tag` (RedisStore keys are `<prefix><ns>:{<id>}`).
 * @param {string} tag
 */
export function slotOfTag(tag) {
  return crc16(tag) % 16384;
}

/**
 * @param {{ command: (...args: string[]) => Promise<string> }} node
 * @returns {Promise<Array<{id: string, addr: string, flags: string, master: string, slots: Array<[number, number]>}>>}
 */
export async function nodesTable(node) {
  const text = await node.command('CLUSTER', 'NODES');
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const parts = line.split(' ');
      const slots = parts
        .slice(8)
        .filter((s) => !s.startsWith('['))
        .map((s) => {
          const [a, b] = s.split('-').map(Number);
          return /** @type {[number, number]} */ ([a, b ?? a]);
        });
      return { id: parts[0], addr: parts[1].split('@')[0], flags: parts[2], master: parts[3], slots };
    });
}

/**
 * @param {*} cluster - a RedisCluster
 * @param {*} master - one of its master nodes
 * @returns {Promise<{replica: *, slots: Array<[number, number]>}>} its replica and its slot ranges
 */
export async function shardOf(cluster, master) {
  const table = await nodesTable(master);
  const me = table.find((row) => row.flags.includes('myself'));
  const row = table.find((r) => r.master === me.id && !r.flags.includes('fail'));
  const replica = row ? cluster.nodes.find((n) => `${n.host}:${n.port}` === row.addr) : undefined;
  return { replica, slots: me.slots };
}

/**
 * @param {*} node
 * @returns {Promise<boolean>}
 */
export async function isMaster(node) {
  return (await node.command('INFO', 'replication').catch(() => '')).includes('role:master');
}

/**
 * Every running node says cluster_state:ok, every master has a replica that is
 * online and acknowledging (it has sent an ACK, the last one ≤ 1 s ago). Right
 * after a (re)sync a replica can be "online" without having acknowledged
 * anything yet, and WAIT would time out.
 * @param {*} cluster
 * @param {number} timeoutMs
 */
export async function waitSettled(cluster, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await settled(cluster)) return;
    if (Date.now() > deadline) throw new Error('cluster did not settle (state ok, every master with an acknowledged replica)');
    await sleep(100);
  }
}

async function settled(cluster) {
  const running = cluster.nodes.filter((n) => n.running);
  if (running.length !== cluster.nodes.length) return false;
  const infos = await Promise.all(running.map((n) => n.command('CLUSTER', 'INFO').catch(() => '')));
  if (!infos.every((i) => i.includes('cluster_state:ok'))) return false;
  let masters = 0;
  for (const node of running) {
    const info = await node.command('INFO', 'replication').catch(() => '');
    if (!info.includes('role:master')) continue;
    masters++;
    const replicas = [...info.matchAll(/slave\d+:.*state=online,offset=(\d+),lag=(\d+)/g)];
    if (!replicas.some((m) => Number(m[1]) > 0 && Number(m[2]) <= 1)) return false;
  }
  return masters === 3;
}

/**
 * Polls until `node` is a master.
 * @param {*} node
 * @param {number} timeoutMs
 * @returns {Promise<{promotedAt: number, replicaUntil: number}>} when it was first seen as master, and
 *   when the last poll that still found it a replica was sent (it cannot have answered as master before)
 */
export async function waitPromoted(node, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let replicaUntil = Date.now();
  for (;;) {
    const sent = Date.now();
    if (await isMaster(node)) return { promotedAt: Date.now(), replicaUntil };
    // It was still a replica when it handled this poll, which it did after `sent`.
    replicaUntil = sent;
    if (Date.now() > deadline) throw new Error(`replica ${node.port} was not promoted within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * @param {number} slot
 * @param {Array<[number, number]>} ranges
 */
export function inRanges(slot, ranges) {
  return ranges.some(([a, b]) => slot >= a && slot <= b);
}
