import { describeStoreConformance } from '../store-conformance/describe-conformance.js';
import { connectRedis, SHARED_REDIS_URL, storeHarness } from './harness.js';

describeStoreConformance(`RedisStore (standalone ${SHARED_REDIS_URL})`, async () => storeHarness(await connectRedis(SHARED_REDIS_URL)));
