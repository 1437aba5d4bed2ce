// Redis round trips per operation, three ways:
//   client   commands ioredis actually sent (sendCommand counted) — the round trips
//   monitor  MONITOR over a sample: top-level commands vs those a Lua script ran
//   stats    INFO commandstats deltas over the whole run (Redis counts script-
//            internal commands too), with the server CPU time they took
// on a private redis-server, so no other client's commands get counted.
import { parseArgs } from '../lib/args.mjs';
import { fmt, printTable, runSection } from '../lib/output.mjs';
import { load } from '../lib/packages.mjs';
import { acquireRedis, commandStats, deletePrefix, ioredis, SCRIPT_COMMANDS, statsDelta, uniquePrefix } from '../lib/redis.mjs';

const opts = parseArgs(process.argv.slice(2));
const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

async function main() {
  const core = await load('core');
  const { KeyLayout, RedisStore, recommendedRedisOptions } = await load('redis');
  const Redis = await ioredis();
  const redis = opts.redisPort ? { host: opts.redisHost, port: opts.redisPort, private: opts.redisPrivate, stop: async () => {} } : await acquireRedis();
  const prefix = uniquePrefix();
  const client = new Redis({ host: redis.host, port: redis.port, ...recommendedRedisOptions({ lazyConnect: true }) });
  await client.connect();
  const admin = new Redis({ host: redis.host, port: redis.port });
  const sent = {};
  const originalSend = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    const name = String(command.name).toLowerCase();
    sent[name] = (sent[name] ?? 0) + 1;
    return originalSend(command, stream);
  };
  const store = new RedisStore({ client, prefix });
  const apiKeys = new core.ApiKeys({ store, secret: SECRET });
  const resets = new core.ResetTokens({ store, secret: SECRET, onIssue: 'keep' });
  const invites = new core.Invitations({ store, secret: SECRET });
  const n = opts.quick ? 300 : 3000;

  const plain = (await apiKeys.create({ ownerId: 'rt', scopes: ['read'] })).key;
  const loaded = (await apiKeys.create({ ownerId: 'rt', scopes: ['read', 'write'], remaining: 10 * n, rateLimit: { limit: 10 * n, window: '1h' } })).key;
  const resetTokens = [];
  const inviteCodes = [];
  for (let i = 0; i < n + 50; i++) {
    resetTokens.push((await resets.issue(`user${i}`)).token);
    inviteCodes.push((await invites.create({ createdBy: 'rt', maxUses: 1 })).code);
  }
  await client.set(`${prefix}raw`, 'x'.repeat(300));
  // The floor of any script: EVALSHA of a script that only reads the record.
  const recordKey = new KeyLayout(prefix).record('key', core.parseCredential(plain, 'sk').id);
  const floorSha = await client.script('LOAD', "return redis.call('HGETALL', KEYS[1])");
  let r = 0;
  let v = 0;
  const cases = [
    { name: 'ApiKeys.verify', op: () => apiKeys.verify(plain) },
    { name: "ApiKeys.verify { scopes: ['read'] }", op: () => apiKeys.verify(plain, { scopes: ['read'] }) },
    { name: 'ApiKeys.verify (remaining + rateLimit + 2 scopes)', op: () => apiKeys.verify(loaded, { scopes: ['read', 'write'] }) },
    { name: 'ApiKeys.verify (unknown key)', op: () => apiKeys.verify(core.generateCredential('sk').credential), expectInvalid: true },
    { name: 'ResetTokens.consume', op: () => resets.consume(resetTokens[r++]) },
    { name: 'Invitations.redeem', op: () => invites.redeem(inviteCodes[v++], { userId: `u${v}` }) },
    { name: 'raw GET (baseline)', op: () => client.get(`${prefix}raw`), raw: true },
    { name: "script floor: EVALSHA of `return redis.call('HGETALL', KEYS[1])`", op: () => client.evalsha(floorSha, 1, recordKey), raw: true },
  ];

  const rows = [];
  for (const c of cases) {
    // One call first: the coalesced lastUsedAt write happens then, not in the count.
    await check(c, await c.op());
    // MONITOR a small sample to tell top-level commands from script-internal ones.
    const monitor = await admin.monitor();
    const seen = { top: 0, lua: 0, topByCommand: {} };
    // Only our client's connection counts (MONITOR also shows other connections' handshakes).
    const ours = `${client.stream.localAddress}:${client.stream.localPort}`;
    monitor.on('monitor', (_time, args, source) => {
      const name = String(args[0]).toLowerCase();
      if (source === 'lua') seen.lua++;
      else if (source === ours) {
        seen.top++;
        seen.topByCommand[name] = (seen.topByCommand[name] ?? 0) + 1;
      }
    });
    const sample = 20;
    for (let i = 0; i < sample; i++) await check(c, await c.op());
    await new Promise((resolve) => setTimeout(resolve, 100));
    monitor.disconnect();
    // The full count: client side and INFO commandstats.
    for (const k of Object.keys(sent)) delete sent[k];
    const before = await commandStats(admin);
    const count = n;
    for (let i = 0; i < count; i++) await check(c, await c.op());
    const after = await commandStats(admin);
    const delta = statsDelta(before, after);
    const clientRoundTrips = Object.values(sent).reduce((a, b) => a + b, 0) / count;
    const serverUsec = Object.entries(delta)
      .filter(([k]) => SCRIPT_COMMANDS.has(k) || !Object.keys(delta).some((d) => SCRIPT_COMMANDS.has(d)))
      .reduce((a, [, x]) => a + x.usec, 0);
    const row = {
      name: c.name,
      ops: count,
      clientRoundTrips,
      clientByCommand: Object.fromEntries(Object.entries(sent).map(([k, x]) => [k, x / count])),
      topLevelPerOp: seen.top / sample,
      scriptInnerPerOp: seen.lua / sample,
      topLevelByCommand: Object.fromEntries(Object.entries(seen.topByCommand).map(([k, x]) => [k, x / sample])),
      commandstatsPerOp: Object.fromEntries(Object.entries(delta).map(([k, x]) => [k, x.calls / count])),
      serverUsecPerOp: serverUsec / count,
    };
    rows.push(row);
  }
  await deletePrefix(admin, prefix);
  client.disconnect();
  admin.disconnect();
  await redis.stop();

  printTable(
    ['operation', 'round trips (client)', 'top-level (MONITOR)', 'inside scripts', 'commandstats per op', 'redis-server µs/op'],
    rows.map((x) => [
      x.name,
      fmt(x.clientRoundTrips, 3),
      `${fmt(x.topLevelPerOp, 2)} (${Object.keys(x.topLevelByCommand).join(', ')})`,
      fmt(x.scriptInnerPerOp, 2),
      Object.entries(x.commandstatsPerOp)
        .map(([k, y]) => `${k} ${fmt(y, 2)}`)
        .join(', '),
      fmt(x.serverUsecPerOp, 1),
    ]),
  );
  const verify = rows[0];
  return {
    mode: opts.quick ? 'quick' : 'full',
    redis: { private: redis.private },
    rows,
    verifyRoundTrips: verify.clientRoundTrips,
    verifyTopLevel: verify.topLevelPerOp,
  };
}

/**
 * @param {{name: string, raw?: boolean, expectInvalid?: boolean}} c
 * @param {any} result
 */
async function check(c, result) {
  if (c.raw) return;
  if (Boolean(result?.valid) === Boolean(c.expectInvalid)) throw new Error(`${c.name}: unexpected result ${JSON.stringify(result)}`);
}

await runSection(opts.out, 'round-trips', main);
