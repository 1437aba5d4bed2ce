import { describeStoreConformance } from '../store-conformance/describe-conformance.js';
import { DATABASE_URL, postgresHarness } from './harness.js';

describeStoreConformance(`PostgresStore (${DATABASE_URL.replace(/\/\/[^@/]*@/, '//')})`, () => postgresHarness());
