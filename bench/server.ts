/**
 * Relay throughput: messages per second one `meow-server` process relays end to end
 * (post, then pull, then ack of the same messages), with the embedded store and with
 * Redis, plus the long-poll wake-up latency (same process, and across two processes
 * sharing one Redis). The server runs as its own process (dist/ must be built); this
 * process is the load generator, so on a small machine both compete for the CPU.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from '../main/crypto/bytes.js';
import { ed25519KeyPair, type KeyPair } from '../main/crypto/curves.js';
import { fetchServerCard, RelayClient } from '../main/net/relayClient.js';
import type { meow } from '../main/wire/proto.js';
import { startRedis, startRedisCluster } from '../test/helpers/redis.js';
import { spawnServer, type ServerProcess } from '../test/helpers/serverProcess.js';

const BIN = fileURLToPath(new URL('../bin/meow-server.js', import.meta.url));
const PAYLOAD = 256;
const RUN_MS = Number(process.env.BENCH_SERVER_MS ?? 4000);

async function clientFor(url: string): Promise<RelayClient> {
  const card = await fetchServerCard(url);
  return new RelayClient({ url, serverKey: card.publicKey, device: ed25519KeyPair() });
}

function message(dest: KeyPair): meow.IPackedUserMessage {
  return { destination: dest.publicKey, payload: randomBytes(PAYLOAD), signature: randomBytes(64) };
}

/** CPU seconds (user + system) a process has used so far (Linux /proc; clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * `workers` loops, each posting `batch` messages to its own queue, pulling and acking
 * them. Returns messages relayed per second, and the server's CPU time per message
 * (the load generator shares the machine, so the CPU figure is the steadier one).
 */
async function relayRate(
  server: ServerProcess,
  workers: number,
  batch: number,
): Promise<{ rate: number; cpuUsPerMsg: number }> {
  const url = server.url;
  const pid = server.proc.pid!;
  const loops = await Promise.all(
    Array.from({ length: workers }, async () => ({ client: await clientFor(url), queue: ed25519KeyPair() })),
  );
  let relayed = 0;
  let measuring = false;
  const warmEnd = performance.now() + 500;
  let end = Infinity;
  let started = 0;
  let cpuStart = 0;
  await Promise.all(
    loops.map(async ({ client, queue }) => {
      for (;;) {
        const now = performance.now();
        if (!measuring && now >= warmEnd) {
          measuring = true;
          started = now;
          end = now + RUN_MS;
          cpuStart = cpuSeconds(pid);
        }
        if (now >= end) return;
        await client.post(Array.from({ length: batch }, () => message(queue)));
        const { messages } = await client.pull([queue], { timeoutMs: 0, maxMessages: batch });
        await client.ack([{ lookup: queue, ids: messages.map((m) => m.id) }]);
        if (measuring) relayed += messages.length;
      }
    }),
  );
  const cpu = cpuSeconds(pid) - cpuStart;
  return { rate: (relayed * 1000) / (performance.now() - started), cpuUsPerMsg: (cpu * 1e6) / relayed };
}

/** Time from sending a post (on `postUrl`) to the held pull (on `pullUrl`) returning it. */
async function wakeLatency(
  pullUrl: string,
  postUrl: string,
  rounds = 40,
): Promise<{ p50: number; p95: number }> {
  const puller = await clientFor(pullUrl);
  const poster = await clientFor(postUrl);
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const q = ed25519KeyPair();
    const pending = puller.pull([q], { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 30)); // let the pull reach the server and be held
    const sent = performance.now();
    const [id] = await poster.post([message(q)]);
    const got = await pending;
    const t = performance.now() - sent;
    if (got.messages[0]?.id !== id) throw new Error('wake-up returned the wrong message');
    samples.push(t);
    await puller.ack([{ lookup: q, ids: [id!] }]);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(rounds / 2)]!, p95: samples[Math.floor(rounds * 0.95)]! };
}

async function postOnly(url: string): Promise<number> {
  // Round-trip cost of one tiny authenticated request (post of one message).
  const c = await clientFor(url);
  const q = ed25519KeyPair();
  const n = 300;
  const t = performance.now();
  for (let i = 0; i < n; i++) await c.post([message(q)]);
  return (performance.now() - t) / n;
}

function line(label: string, value: string): void {
  console.log(`${label.padEnd(58)} ${value}`);
}

export async function benchServer(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'meow-bench-'));
  const servers: ServerProcess[] = [];
  const redis = await startRedis({ extraArgs: ['--appendonly', 'yes', '--appendfsync', 'everysec'] });
  try {
    const common = ['--rate', '0', '--key', join(dir, 'key.json')];
    const embedded = await spawnServer([...common, '--data', join(dir, 'embedded')], {}, BIN);
    servers.push(embedded);
    const onRedis = await spawnServer([...common, '--data', dir, '--redis', redis.url], {}, BIN);
    servers.push(onRedis);
    const second = await spawnServer([...common, '--data', dir, '--redis', redis.url], {}, BIN);
    servers.push(second);

    console.log(`\n## relay server (one server process; ${PAYLOAD}-byte payloads; post + pull + ack)`);
    console.log(
      '(msg/s measured; in brackets: server CPU per message and the msg/s that makes one full core)',
    );
    for (const [name, server] of [
      ['embedded (SQLite, synchronous=FULL)', embedded],
      ['Redis (AOF everysec)', onRedis],
    ] as const) {
      for (const [workers, batch] of [
        [8, 1],
        [8, 20],
        [8, 100],
      ] as const) {
        const { rate, cpuUsPerMsg } = await relayRate(server, workers, batch);
        line(
          `${name}, ${workers} clients, batch ${batch}`,
          `${rate.toFixed(0).padStart(8)} msg/s  [${cpuUsPerMsg.toFixed(0)} µs CPU/msg → ${(1e6 / cpuUsPerMsg).toFixed(0)} msg/s per core]`,
        );
      }
      line(
        `${name}, one post of 1 message, sequential`,
        `${(await postOnly(server.url)).toFixed(2).padStart(8)} ms/request`,
      );
    }

    console.log('\n## long-poll wake-up (post sent → held pull answered)');
    const e = await wakeLatency(embedded.url, embedded.url);
    line('embedded, same process', `p50 ${e.p50.toFixed(1)} ms, p95 ${e.p95.toFixed(1)} ms`);
    const r1 = await wakeLatency(onRedis.url, onRedis.url);
    line('Redis, same process', `p50 ${r1.p50.toFixed(1)} ms, p95 ${r1.p95.toFixed(1)} ms`);
    const r2 = await wakeLatency(onRedis.url, second.url);
    line(
      'Redis, across two server processes (pub/sub)',
      `p50 ${r2.p50.toFixed(1)} ms, p95 ${r2.p95.toFixed(1)} ms`,
    );

    const cluster = await startRedisCluster();
    try {
      const nodes = cluster.urls.join(',');
      const c1 = await spawnServer([...common, '--data', dir, '--redis-cluster', nodes], {}, BIN);
      servers.push(c1);
      const c2 = await spawnServer([...common, '--data', dir, '--redis-cluster', nodes], {}, BIN);
      servers.push(c2);
      const c = await wakeLatency(c1.url, c2.url);
      line(
        'Redis Cluster (3 masters), across two processes',
        `p50 ${c.p50.toFixed(1)} ms, p95 ${c.p95.toFixed(1)} ms`,
      );
      const { rate, cpuUsPerMsg } = await relayRate(c1, 8, 20);
      line(
        'Redis Cluster (3 masters, no persistence), 8 clients, batch 20',
        `${rate.toFixed(0).padStart(8)} msg/s  [${cpuUsPerMsg.toFixed(0)} µs CPU/msg]`,
      );
      await Promise.all([c1, c2].map((s) => s.stop('SIGTERM')));
    } finally {
      await cluster.destroy();
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop('SIGTERM')));
    await redis.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
