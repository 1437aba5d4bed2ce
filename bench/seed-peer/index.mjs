// Seed design (O(n) scan with a constant-time compare per stored hash) versus
// tokenkit (id lookup + one constant-time compare) at 1k, 10k and 100k stored
// invitations, both checking (not consuming) a valid code.
import { parseArgs } from '../lib/args.mjs';
import { fmt, printTable, runSection } from '../lib/output.mjs';
import { load } from '../lib/packages.mjs';
import { compare } from '../lib/timing.mjs';
import { SeedInvitationStore } from './seed-store.mjs';

const opts = parseArgs(process.argv.slice(2));
const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const SIZES = [1_000, 10_000, 100_000];
/** How many distinct valid codes each side cycles through (so no single entry stays hot in cache). */
const PROBES = 256;

async function main() {
  const core = await load('core');
  const rows = [];
  for (const size of SIZES) {
    const seed = new SeedInvitationStore(SECRET);
    const store = new core.MemoryStore({ sweepIntervalMs: 0 });
    const invites = new core.Invitations({ store, secret: SECRET });
    const seedTokens = [];
    const ourCodes = [];
    const every = Math.max(1, Math.floor(size / PROBES));
    for (let i = 0; i < size; i++) {
      const token = seed.create({ createdBy: `admin${i % 100}` });
      const { code } = await invites.create({ createdBy: `admin${i % 100}` });
      if (i % every === 0 && seedTokens.length < PROBES) {
        seedTokens.push(token);
        ourCodes.push(code);
      }
    }
    if (!seed.check(seedTokens[0]).valid || !(await invites.check(ourCodes[0])).valid) throw new Error('fixture does not verify');
    let s = 0;
    let o = 0;
    const measured = await compare(
      [
        { name: 'seed', fn: () => seed.check(seedTokens[s++ % seedTokens.length]) },
        { name: 'tokenkit', fn: () => invites.check(ourCodes[o++ % ourCodes.length]), async: true },
      ],
      { rounds: opts.quick ? 3 : 9, batchMs: opts.quick ? 10 : 50 },
    );
    const row = {
      storedInvitations: size,
      seedNsPerVerify: measured.seed.nsPerOp,
      tokenkitNsPerVerify: measured.tokenkit.nsPerOp,
      speedup: measured.seed.nsPerOp / measured.tokenkit.nsPerOp,
    };
    rows.push(row);
    console.log(
      `${fmt(size).padStart(7)} invitations: seed ${fmt(row.seedNsPerVerify / 1000, 1)} µs, tokenkit ${fmt(row.tokenkitNsPerVerify / 1000, 2)} µs → ${fmt(row.speedup, 0)}×`,
    );
    await store.close();
  }
  console.log();
  printTable(
    ['stored', 'seed µs/verify', 'tokenkit µs/verify', 'seed/tokenkit'],
    rows.map((r) => [fmt(r.storedInvitations), fmt(r.seedNsPerVerify / 1000, 1), fmt(r.tokenkitNsPerVerify / 1000, 2), `${fmt(r.speedup, 0)}×`]),
  );
  return { mode: opts.quick ? 'quick' : 'full', clock: 'cpu', rows };
}

await runSection(opts.out, 'seed-peer', main);
