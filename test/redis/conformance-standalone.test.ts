import { runStoreConformance } from '../store-conformance/suite.js';
import { connectRedis, SHARED_REDIS_URL, storeHarness } from './harness.js';

runStoreConformance(`RedisStore (standalone ${SHARED_REDIS_URL})`, async () => storeHarness(await connectRedis(SHARED_REDIS_URL)));
