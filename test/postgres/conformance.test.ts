import { describeStoreConformance } from '../store-conformance/describe-conformance.js';
import { DATABASE_URL, postgresHarness } from './harness.js';

const where = DATABASE_URL.replace(/\/\/[^@/]*@/, '//');
// A per-operation deadline above the default 1 s: one case fires 2000 counted uses of one record at
// once, and each waits for a pooled connection and then for the row lock behind every earlier one
// (each a committed, fsynced transaction) — queueing, not a wrong answer; the cases check semantics.
const timeout = 30_000;
describeStoreConformance(`PostgresStore (${where})`, () => postgresHarness({ timeout }));
describeStoreConformance(`PostgresStore with preparedStatements (${where})`, () => postgresHarness({ preparedStatements: true, timeout }));
