/**
 * Owner routing on one real Redis shared by two `meow-server` processes: a session on one
 * process subscribes queues, posts come through the other, and each is pushed to the
 * session — while Redis holds one pub/sub channel per relay process (not one per queue)
 * and one route per subscribed queue, which goes away when the session does.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/crypto/bytes.js';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';
import { fetchServerCard, RelayClient } from '../../main/net/relayClient.js';
import { SessionRelay } from '../../main/net/sessionRelay.js';
import { packed } from '../helpers/relay.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { spawnServer, type ServerProcess } from '../helpers/serverProcess.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'meow-fleet-'));
let redis: RedisProcess;
const relays: ServerProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  const args = ['--key', join(dir, 'server-key.json'), '--data', dir, '--redis', redis.url];
  relays.push(await spawnServer(args), await spawnServer(args));
});
afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop('SIGTERM')));
  await redis?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<string> {
  return (await run('redis-cli', ['-p', String(redis.port), ...args])).stdout.trim();
}
async function metric(s: ServerProcess, name: string): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
}
async function until(done: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never: ${what}`);
}

describe('wake-ups routed by owner (two relay processes, one Redis)', () => {
  it('a post through one process is pushed by the other; one channel per process, one route per queue', async () => {
    const [a, b] = relays as [ServerProcess, ServerProcess];
    const serverKey = (await fetchServerCard(a.url)).publicKey;
    const session = new SessionRelay({ url: a.url, serverKey, device: ed25519KeyPair() });
    const queues = Array.from({ length: 50 }, () => ed25519KeyPair());
    try {
      await session.pull(queues, { timeoutMs: 0 });
      await until(async () => (await metric(a, 'meow_watched_queues')) === 50, 'A routes 50 queues');
      // Redis holds the two processes' channels, not one per subscribed queue.
      const channels = (await cli('pubsub', 'channels')).split('\n').filter(Boolean);
      expect(channels).toHaveLength(2);
      expect(channels.every((c) => c.startsWith('proc:{'))).toBe(true);
      const routes = (await cli('--scan', '--pattern', 'route:*')).split('\n').filter(Boolean);
      expect(routes.sort()).toEqual(queues.map((q) => `route:{${toHex(q.publicKey)}}`).sort());

      const poster = new RelayClient({ url: b.url, serverKey, device: ed25519KeyPair() });
      for (const q of [queues[0]!, queues[49]!]) {
        const pending = session.pull([q], { timeoutMs: 20_000 });
        const [id] = await poster.post([packed(q)]);
        expect((await pending).messages.map((m) => m.id)).toEqual([id]);
        await session.ack([{ lookup: q, ids: [id!] }]);
      }
      // Posts to queues nobody holds publish nothing.
      await poster.post([packed(ed25519KeyPair())]);
      await until(async () => (await metric(a, 'meow_wakeups_received_total')) === 2, 'A woken twice');
      expect(await metric(b, 'meow_wakeups_received_total')).toBe(0);
    } finally {
      session.close();
    }
    // The session gone, its routes go too (after the linger that covers a quick reconnect).
    await until(
      async () => (await cli('--scan', '--pattern', 'route:*')).length === 0,
      'routes removed after the session ended',
    );
  });
});
