import { describeStoreConformance } from '../store-conformance/describe-conformance.js';
import { DATABASE_URL, makePool, type PostgresHarness, postgresHarness, warmPool } from './harness.js';

const where = DATABASE_URL.replace(/\/\/[^@/]*@/, '//');
// A per-operation deadline above the default 1 s: one case fires 2000 counted uses of one record at
// once, and each waits for a pooled connection and then for the row lock behind every earlier one
// (each a committed, fsynced transaction) — queueing, not a wrong answer; the cases check semantics.
const timeout = 30_000;

/**
 * A harness on a pool whose connections are all open before the first case, as in a running app.
 * The rotation-race case expects its 20 rotations to read the key before any of them writes: on a
 * cold pool a rotation whose connection is still being opened reads after another one finished,
 * and rightly rotates again (a compare-and-set on the hash it read).
 */
async function warmHarness(options: Parameters<typeof postgresHarness>[0]): Promise<PostgresHarness> {
  const harness = await postgresHarness(options, makePool({ idleTimeoutMillis: 0 }));
  await warmPool(harness.pool);
  return harness;
}

describeStoreConformance(`PostgresStore (${where})`, () => warmHarness({ timeout }));
describeStoreConformance(`PostgresStore with preparedStatements (${where})`, () => warmHarness({ preparedStatements: true, timeout }));
