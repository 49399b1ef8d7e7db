/**
 * Relay throughput: messages per second one `meow-server` process relays end to end
 * (post, then pull, then ack of the same messages), with the embedded store and with
 * Redis, plus the long-poll wake-up latency (same process, and across two processes
 * sharing one Redis). The server runs as its own process (dist/ must be built); this
 * process is the load generator, so on a small machine both compete for the CPU.
 *
 * What issue 11 costs, measured in the same run: the same loop on an open queue with
 * an unpadded 256-byte payload and no sender check (the relay's path before sender
 * authorization), on a secured queue (every message's signature verified against the
 * registered sender key), and on a secured queue with the payload a short text has
 * once padded to its bucket; plus the client-side cost of padding.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from '../protocol/crypto/bytes.js';
import { ed25519KeyPair, x25519KeyPair } from '../protocol/crypto/curves.js';
import { initReceiver, initSender } from '../protocol/ratchet/doubleRatchet.js';
import { packUserMessage, unpackUserMessage, type ChannelKeys } from '../protocol/wire/packing.js';
import { pad, paddedLength, unpad } from '../protocol/wire/padding.js';
import { encode, meow } from '../protocol/wire/proto.js';
import { measure, report } from './harness.js';
import { clientFor, message, PAYLOAD, relayRate as relayLoop, type Mode } from './relayLoad.js';
import { startRedis, startRedisCluster } from '../test/helpers/redis.js';
import { spawnServer, type ServerProcess } from '../test/helpers/serverProcess.js';

const BIN = fileURLToPath(new URL('../bin/meow-server.js', import.meta.url));
const RUN_MS = Number(process.env.BENCH_SERVER_MS ?? 4000);

/** Payload bytes of a short text (~100 characters) packed through the four layers, with and without padding. */
function shortTextSizes(): { padded: number; unpadded: number } {
  const keys: ChannelKeys = {
    myIdentity: ed25519KeyPair(),
    myEncryption: x25519KeyPair(),
    myLookup: ed25519KeyPair(),
    symKey: randomBytes(32),
    contactPublicKey: ed25519KeyPair().publicKey,
    contactEncryption: x25519KeyPair().publicKey,
    contactLookupKey: ed25519KeyPair().publicKey,
  };
  const ratchet = initSender(randomBytes(32), x25519KeyPair().publicKey);
  const message = { type: 'text', text: 'x'.repeat(100), status: { uuid: 'u'.repeat(36), sent: Date.now() } };
  const p = packUserMessage(keys, ratchet, message);
  const plain = encode(meow.UserMessage, message).length;
  return {
    padded: p.packed.payload.length,
    unpadded: p.packed.payload.length - (paddedLength(plain) - plain),
  };
}

/** The shared post + pull + ack loops (bench/relayLoad.ts), for `workers` clients at `batch`. */
async function relayRate(
  server: ServerProcess,
  workers: number,
  batch: number,
  mode: Mode = { kind: 'secured', size: PAYLOAD },
): Promise<{ rate: number; cpuUsPerMsg: number }> {
  return relayLoop(server.url, server.proc.pid, { workers, batch, mode, runMs: RUN_MS });
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
    // Rate limits are policy, not cost; open queues get room so the "before" loop can run.
    const common = [
      '--rate',
      '0',
      '--queue-rate',
      '0',
      '--open-queue-length',
      '1000000',
      '--key',
      join(dir, 'key.json'),
    ];
    const embedded = await spawnServer([...common, '--data', join(dir, 'embedded')], {}, BIN);
    servers.push(embedded);
    const onRedis = await spawnServer([...common, '--data', dir, '--redis', redis.url], {}, BIN);
    servers.push(onRedis);
    const second = await spawnServer([...common, '--data', dir, '--redis', redis.url], {}, BIN);
    servers.push(second);

    console.log(
      `\n## relay server (one server process; ${PAYLOAD}-byte payloads on secured queues; post + pull + ack)`,
    );
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

    const sizes = shortTextSizes();
    console.log(
      `\n## what sender authorization and padding cost (same run; 8 clients, batch 20; a ~100-character text is ${sizes.unpadded} B of payload unpadded, ${sizes.padded} B padded)`,
    );
    for (const [name, server] of [
      ['embedded', embedded],
      ['Redis', onRedis],
    ] as const) {
      for (const [label, mode] of [
        [`open queue, ${sizes.unpadded} B, no sender check (before)`, { kind: 'open', size: sizes.unpadded }],
        [`secured queue, ${sizes.unpadded} B, signature verified`, { kind: 'secured', size: sizes.unpadded }],
        [
          `secured queue, ${sizes.padded} B (padded), signature verified`,
          { kind: 'secured', size: sizes.padded },
        ],
      ] as const) {
        const { rate, cpuUsPerMsg } = await relayRate(server, 8, 20, mode);
        line(
          `${name}: ${label}`,
          `${rate.toFixed(0).padStart(8)} msg/s  [${cpuUsPerMsg.toFixed(0)} µs CPU/msg]`,
        );
      }
      const owner = await clientFor(server.url);
      const queues = Array.from({ length: 100 }, () => ({
        lookup: ed25519KeyPair(),
        senders: [ed25519KeyPair().publicKey],
      }));
      const t = performance.now();
      await owner.secure(queues);
      line(
        `${name}: registering the senders of 100 queues (one request)`,
        `${(performance.now() - t).toFixed(1).padStart(8)} ms`,
      );
    }
    const plain = randomBytes(150);
    const keys = {
      a: { id: ed25519KeyPair(), enc: x25519KeyPair(), lookup: ed25519KeyPair() },
      b: { id: ed25519KeyPair(), enc: x25519KeyPair(), lookup: ed25519KeyPair() },
    };
    const sym = randomBytes(32);
    const root = randomBytes(32);
    const bobDr = x25519KeyPair();
    const aKeys: ChannelKeys = {
      myIdentity: keys.a.id,
      myEncryption: keys.a.enc,
      myLookup: keys.a.lookup,
      symKey: sym,
      contactPublicKey: keys.b.id.publicKey,
      contactEncryption: keys.b.enc.publicKey,
      contactLookupKey: keys.b.lookup.publicKey,
    };
    const bKeys: ChannelKeys = {
      myIdentity: keys.b.id,
      myEncryption: keys.b.enc,
      myLookup: keys.b.lookup,
      symKey: sym,
      contactPublicKey: keys.a.id.publicKey,
      contactEncryption: keys.a.enc.publicKey,
      contactLookupKey: keys.a.lookup.publicKey,
    };
    let aR = initSender(root, bobDr.publicKey);
    let bR = initReceiver(root, bobDr);
    report('client side: padding', [
      await measure('pad + unpad a 150-byte plaintext (to 256 B)', () => unpad(pad(plain))),
      await measure('pack + unpack a ~100-character text (padded)', () => {
        const p = packUserMessage(aKeys, aR, { type: 'text', text: 'x'.repeat(100) });
        aR = p.ratchet;
        bR = unpackUserMessage(bKeys, bR, p.packed).ratchet;
      }),
    ]);

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
