// RSS per record, in a fresh process started with --expose-gc:
// (RSS after N records and full GCs) − (RSS before, after the same GCs), ÷ N.
import { load } from '../lib/packages.mjs';

const [kind, countArg] = process.argv.slice(2);
const count = Number(countArg);
if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const core = await load('core');

const KINDS = {
  apikey: {
    describe: 'ApiKeys.create({ ownerId: "user<i>" }), one owner per key, owner index included',
    make(store) {
      const apiKeys = new core.ApiKeys({ store, secret: SECRET });
      return (i) => apiKeys.create({ ownerId: `user${i}` });
    },
  },
  reset: {
    describe: 'ResetTokens.issue("user<i>"), one token per user, per-user index included',
    make(store) {
      const resets = new core.ResetTokens({ store, secret: SECRET });
      return (i) => resets.issue(`user${i}`);
    },
  },
  invitation: {
    describe: 'Invitations.create({ createdBy: "admin<i % 100>" }), 100 creators, creator index included',
    make(store) {
      const invites = new core.Invitations({ store, secret: SECRET });
      return (i) => invites.create({ createdBy: `admin${i % 100}` });
    },
  },
  map: {
    // Reference point: a bare Map of small records, the floor for any store of such records.
    describe: 'reference: new Map() of { id, hash, userId, expiresAt } with a 10-char id key',
    make() {
      const map = new Map();
      globalThis.keepAlive = map;
      return (i) => {
        const id = core.generateCredential('x').id;
        map.set(id, { id, hash: `v1$${core.tokenUrlsafe(32)}`, userId: `user${i}`, expiresAt: Date.now() + 3_600_000 });
      };
    },
  },
};

const spec = KINDS[kind];
if (!spec) throw new Error(`unknown kind ${kind}; use ${Object.keys(KINDS).join(', ')}`);

function settle() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  return process.memoryUsage();
}

// Run the code path on a throw-away store first: JIT code and one-off
// structures then sit in the baseline instead of being charged per record.
{
  const scratch = new core.MemoryStore({ sweepIntervalMs: 0 });
  const add = spec.make(scratch);
  for (let i = 0; i < 5_000; i++) await add(i);
  await scratch.close();
  globalThis.keepAlive = undefined;
}

const store = new core.MemoryStore({ sweepIntervalMs: 0 });
const add = spec.make(store);
const before = settle();
const started = Date.now();
for (let i = 0; i < count; i++) await add(i);
const seconds = (Date.now() - started) / 1000;
const after = settle();
process.stdout.write(
  JSON.stringify({
    kind,
    describe: spec.describe,
    records: count,
    storeEntries: store.size,
    rssBytesPerRecord: (after.rss - before.rss) / count,
    heapBytesPerRecord: (after.heapUsed - before.heapUsed) / count,
    rssAfterMiB: after.rss / 2 ** 20,
    seconds,
  }),
);
