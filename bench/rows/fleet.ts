/**
 * Fleet routing's cost in Redis (docs/relay-protocol.md, "Fleet routing"): the memory and
 * CPU Redis spends per subscribed queue. Measured: a `meow-server` on a fresh redis-server
 * holding sessions that subscribe N queues (one route key per queue: owner routing).
 * Reference, in the same run: the design it replaced, one pub/sub channel per subscribed
 * queue, as N SUBSCRIBEs on one connection to another fresh redis-server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';
import { toHex } from '../../protocol/crypto/bytes.js';
import { fetchServerCard } from '../../main/net/relayClient.js';
import { SessionRelay } from '../../main/net/sessionRelay.js';
import { startRedis, type RedisProcess } from '../../test/helpers/redis.js';
import { spawnServer } from '../../test/helpers/serverProcess.js';
import { cpuSeconds } from '../relayLoad.js';
import type { Row, Sample } from '../table.js';

const BIN = fileURLToPath(new URL('../bin/meow-server.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function usedMemory(r: Redis): Promise<number> {
  const info = await r.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

/** Redis memory and CPU (µs) per queue while `subscribe` holds `n` of them. */
async function perQueue(
  n: number,
  hold: (redis: RedisProcess) => Promise<() => Promise<void>>,
): Promise<Sample> {
  const redis = await startRedis();
  const probe = new Redis(redis.url);
  try {
    await sleep(300);
    const pid = Number(((await probe.info('server')).match(/process_id:(\d+)/) ?? [])[1]);
    const before = await usedMemory(probe);
    const cpu0 = cpuSeconds(pid);
    const release = await hold(redis);
    const cpu = cpuSeconds(pid) - cpu0;
    const after = await usedMemory(probe);
    await release();
    const bytes = (after - before) / n;
    return {
      value: bytes,
      detail: `${n} queues: ${((after - before) / 1024 / 1024).toFixed(1)} MiB, Redis CPU ${((cpu * 1e6) / n).toFixed(1)} µs per queue to set up`,
      extra: { queues: n, redisCpuUsPerQueue: (cpu * 1e6) / n },
    };
  } finally {
    probe.disconnect();
    await redis.destroy();
  }
}

/** Sessions on a relay over `redis`, `n` queues in all (100 per session). */
function routes(n: number) {
  return async (redis: RedisProcess) => {
    const dir = mkdtempSync(join(tmpdir(), 'meow-bench-fleet-'));
    const relay = await spawnServer(
      ['--rate', '0', '--max-sessions-per-address', '100000', '--data', dir, '--redis', redis.url],
      {},
      BIN,
    );
    const serverKey = (await fetchServerCard(relay.url)).publicKey;
    const sessions: SessionRelay[] = [];
    for (let i = 0; i < n; i += 100) {
      const s = new SessionRelay({ url: relay.url, serverKey, device: ed25519KeyPair() });
      sessions.push(s);
      await s.pull(
        Array.from({ length: Math.min(100, n - i) }, () => ed25519KeyPair()),
        { timeoutMs: 0 },
      );
    }
    await sleep(500);
    return async () => {
      for (const s of sessions) s.close();
      await relay.stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    };
  };
}

/** The replaced design: one channel per queue, SUBSCRIBEd on one connection. */
function channels(n: number) {
  return async (redis: RedisProcess) => {
    const sub = new Redis(redis.url);
    for (let i = 0; i < n; i += 1000)
      await sub.subscribe(
        ...Array.from({ length: Math.min(1000, n - i) }, () => `wake:{${toHex(ed25519KeyPair().publicKey)}}`),
      );
    await sleep(500);
    return () => Promise.resolve(sub.disconnect());
  };
}

export function fleetRows(quick: boolean): Row[] {
  const n = quick ? 2000 : 20_000;
  return [
    {
      id: 'fleet.redis.per-queue',
      name: `Redis memory per subscribed queue, owner routing (route key; ${n} queues over sessions)`,
      referenceName: 'one pub/sub channel per queue (the design it replaced)',
      unit: 'B',
      better: 'lower',
      ratio: 'measure/reference',
      measure: () => perQueue(n, routes(n)),
      reference: () => perQueue(n, channels(n)),
    },
  ];
}
