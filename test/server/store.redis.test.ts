import { afterAll, beforeAll } from 'vitest';
import { RedisStore } from '../../server/store/redis.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { storeContract } from './storeContract.js';

let redis: RedisProcess;
let n = 0;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.destroy();
});

storeContract('Redis (standalone)', () => ({
  sharedWakeups: true,
  namespace: () => {
    const prefix = `t${n++}:`;
    return () => RedisStore.open({ kind: 'redis', url: redis.url }, { prefix });
  },
}));
