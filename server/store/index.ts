import type { StoreConfig } from '../config.js';
import { RedisStore, type RedisStoreOptions } from './redis.js';
import { SqliteStore } from './sqlite.js';
import type { RelayStore } from './types.js';

export type { RelayStore } from './types.js';

/** Opens the store a config names (embedded SQLite, Redis, or Redis Cluster). */
export async function openStore(
  config: StoreConfig,
  opts: Omit<RedisStoreOptions, 'prefix'> = {},
): Promise<RelayStore> {
  switch (config.kind) {
    case 'embedded':
      return new SqliteStore(config.path);
    case 'redis':
      return RedisStore.open({ kind: 'redis', url: config.url }, { ...opts, prefix: config.prefix });
    case 'redis-cluster':
      return RedisStore.open(
        { kind: 'redis-cluster', urls: config.urls },
        { ...opts, prefix: config.prefix },
      );
  }
}
