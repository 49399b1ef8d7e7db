/**
 * Wake-ups routed to the process that holds the pull, with real `meow-server`
 * processes on a Redis Cluster: a post wakes the holder and no other process (counted
 * by meow_wakeups_received_total), a queue nobody waits on wakes nobody, and it stays
 * right when the holder process is killed and restarted, and across a Cluster
 * failover (a replica promoted while pulls are held).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/crypto/bytes.js';
import { ed25519KeyPair, type KeyPair } from '../../protocol/crypto/curves.js';
import { fetchServerCard, RelayClient, RelayError } from '../../main/net/relayClient.js';
import { packed } from '../helpers/relay.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis.js';
import { spawnServer, type ServerProcess } from '../helpers/serverProcess.js';

const dir = mkdtempSync(join(tmpdir(), 'meow-wake-'));
const keyFile = join(dir, 'server-key.json');
const running: ServerProcess[] = [];
let cluster: RedisCluster;

beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: true });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop('SIGTERM')));
});
afterAll(async () => {
  await cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<ServerProcess> {
  const s = await spawnServer(['--key', keyFile, '--data', dir, '--redis-cluster', cluster.urls.join(',')]);
  running.push(s);
  return s;
}
async function clientFor(url: string): Promise<RelayClient> {
  const card = await fetchServerCard(url);
  return new RelayClient({ url, serverKey: card.publicKey, device: ed25519KeyPair() });
}
async function metric(s: ServerProcess, name: string): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
}
/** Waits until `s` holds `n` pulls whose wake-ups are routed to it. */
async function heldAndRouted(s: ServerProcess, n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await metric(s, 'meow_held_polls')) >= n && (await metric(s, 'meow_watched_queues')) >= n) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${s.url} never held ${n} routed pulls`);
}

describe('wake-ups routed to the holder of the pull (Redis Cluster)', () => {
  it('a post wakes the process holding the pull and no other; an unwatched queue wakes nobody', async () => {
    const [a, b, c] = await Promise.all([start(), start(), start()]);
    const q = ed25519KeyPair();
    const onA = await clientFor(a.url);
    const pending = onA.pull([q], { timeoutMs: 20_000 });
    await heldAndRouted(a, 1);
    const [id] = await (await clientFor(b.url)).post([packed(q)]);
    expect((await pending).messages.map((m) => m.id)).toEqual([id]);
    // Posts to queues nobody waits on, through every process.
    for (const s of [a, b, c]) await (await clientFor(s.url)).post([packed(ed25519KeyPair())]);
    await new Promise((r) => setTimeout(r, 200));
    expect(await metric(a, 'meow_wakeups_received_total')).toBe(1);
    expect(await metric(b, 'meow_wakeups_received_total')).toBe(0);
    expect(await metric(c, 'meow_wakeups_received_total')).toBe(0);
  });

  it('stays right when the holder is killed: the pull held again on a restarted process is woken', async () => {
    const a = await start();
    const b = await start();
    const q = ed25519KeyPair();
    const first = (await clientFor(a.url)).pull([q], { timeoutMs: 20_000 }).catch((e: unknown) => e);
    await heldAndRouted(a, 1);
    await a.stop('SIGKILL');
    expect(((await first) as RelayError).code).toBe('UNREACHABLE');
    const again = await start();
    const pending = (await clientFor(again.url)).pull([q], { timeoutMs: 20_000 });
    await heldAndRouted(again, 1);
    const [id] = await (await clientFor(b.url)).post([packed(q)]);
    expect((await pending).messages.map((m) => m.id)).toEqual([id]);
  });

  it('keeps waking held pulls across a Cluster failover of their master', async () => {
    const a = await start();
    const b = await start();
    const onA = await clientFor(a.url);
    const poster = await clientFor(b.url);
    // Pulls held before the failover, on queues of every master.
    const queues: KeyPair[] = Array.from({ length: 24 }, () => ed25519KeyPair());
    type Pulled = Awaited<ReturnType<RelayClient['pull']>>;
    const held = queues.map((q) =>
      onA.pull([q], { timeoutMs: 25_000 }).then(
        (r): Pulled | RelayError => r,
        (e: RelayError) => e,
      ),
    );
    await heldAndRouted(a, queues.length);
    await cluster.failover(`msg:{${toHex(queues[0]!.publicKey)}}`);
    // Each message reaches its queue's puller: the pull held across the failover, woken
    // after it (or, if that pull was answered with a retryable error while the slot
    // moved, the client's next pull). A pull that ran out its time empty lost its wake-up.
    await Promise.all(
      queues.map(async (q, i) => {
        let id: string | undefined;
        for (let attempt = 0; !id; attempt++) {
          try {
            [id] = await poster.post([packed(q)]);
          } catch (e) {
            if (!(e as RelayError).retryable || attempt > 100) throw e;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        let got = await held[i]!;
        // Answered with a retryable error while the slot moved: the client pulls again.
        for (let attempt = 0; got instanceof RelayError; attempt++) {
          if (!got.retryable || attempt > 100) throw got;
          await new Promise((r) => setTimeout(r, 100));
          got = await onA.pull([q], { timeoutMs: 25_000 }).catch((e: RelayError) => e);
        }
        expect(got.messages.map((m) => m.id)).toEqual([id]);
      }),
    );
    // A pull held after the failover, on a queue of the promoted master, is woken too.
    const q = queues[0]!;
    const [old] = (await onA.pull([q], { timeoutMs: 0 })).messages;
    expect(await onA.ack([{ lookup: q, ids: [old!.id] }])).toBe(1);
    const pending = onA.pull([q], { timeoutMs: 20_000 });
    await heldAndRouted(a, 1);
    const [id] = await poster.post([packed(q)]);
    expect((await pending).messages.map((m) => m.id)).toEqual([id]);
  });
});
