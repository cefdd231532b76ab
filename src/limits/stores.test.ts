import { limitStoreConformance } from './conformance.js';
import { MemoryLimitStore } from './memory-store.js';
import { RedisLimitStore } from './redis-store.js';
import { REDIS_URL, redisAvailable } from './testing/redis.js';

limitStoreConformance('memory', async () => new MemoryLimitStore({ sweepMs: 0 }));

limitStoreConformance('redis', async () => {
  if (!(await redisAvailable())) {
    console.log(`# SKIP redis conformance: no Redis at ${REDIS_URL} (set CI=true to make this a failure)`);
    return undefined;
  }
  const s = new RedisLimitStore({ url: REDIS_URL, keyPrefix: 'rampart:test:' });
  await s.connect();
  return s;
});
