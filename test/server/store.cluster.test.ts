import { afterAll, beforeAll } from 'vitest';
import { RedisStore } from '../../server/store/redis.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis.js';
import { storeContract } from './storeContract.js';

let cluster: RedisCluster;
let n = 0;
beforeAll(async () => {
  cluster = await startRedisCluster();
});
afterAll(async () => {
  await cluster?.destroy();
});

storeContract('Redis Cluster (3 masters)', () => ({
  sharedWakeups: true,
  namespace: () => {
    const prefix = `t${n++}:`;
    return () => RedisStore.open({ kind: 'redis-cluster', urls: cluster.urls }, { prefix });
  },
}));
