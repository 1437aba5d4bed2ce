import { describeStoreConformance } from '../store-conformance/describe-conformance.js';
import { DATABASE_URL, postgresHarness } from './harness.js';

const where = DATABASE_URL.replace(/\/\/[^@/]*@/, '//');
describeStoreConformance(`PostgresStore (${where})`, () => postgresHarness());
describeStoreConformance(`PostgresStore with preparedStatements (${where})`, () => postgresHarness({ preparedStatements: true }));
