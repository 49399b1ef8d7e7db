/**
 * Table rows for the relay (`meow-server` as its own process; this process is the load
 * generator, so on a small machine both share the CPU — the server's CPU per message is
 * shown beside each rate):
 *   - post + pull + ack at batch 1 / 20 / 100 on the embedded store and on Redis, against
 *     `redis-benchmark -P 16` ZADD of 300-byte members on the same redis-server;
 *   - delivery latency (post sent → held pull answered) p50 / p99, against a bare HTTP
 *     round trip to a minimal Node server;
 *   - the cost of a wake-up as the fleet grows from 2 to 8 relay processes on a 3-master
 *     Redis Cluster (relay and Redis CPU per delivered message; flat is the target).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';
import { httpRequest } from '../../main/net/transport.js';
import {
  startRedis,
  startRedisCluster,
  type RedisCluster,
  type RedisProcess,
} from '../../test/helpers/redis.js';
import { spawnServer, type ServerProcess } from '../../test/helpers/serverProcess.js';
import { clientFor, cpuSeconds, message, relayRate } from '../relayLoad.js';
import type { BenchContext, Row, Sample } from '../table.js';

const run = promisify(execFile);
// Resolved from the bundle (dist/bench.js), like bench/server.ts.
const BIN = fileURLToPath(new URL('../bin/meow-server.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function dataDir(ctx: BenchContext): Promise<string> {
  return ctx.resource(
    'dir',
    () => Promise.resolve(mkdtempSync(join(tmpdir(), 'meow-bench-'))),
    (d) => Promise.resolve(rmSync(d, { recursive: true, force: true })),
  );
}

/** Relay policy (rate limits, the open-queue bound) is not cost: lifted for the bench. */
async function relayArgs(ctx: BenchContext): Promise<string[]> {
  const dir = await dataDir(ctx);
  return ['--rate', '0', '--queue-rate', '0', '--key', join(dir, 'key.json')];
}

function redis(ctx: BenchContext): Promise<RedisProcess> {
  return ctx.resource(
    'redis',
    () => startRedis({ extraArgs: ['--appendonly', 'yes', '--appendfsync', 'everysec'] }),
    (r) => r.destroy(),
  );
}

function relay(ctx: BenchContext, store: 'embedded' | 'redis'): Promise<ServerProcess> {
  return ctx.resource(
    `relay-${store}`,
    async () => {
      const dir = await dataDir(ctx);
      const extra =
        store === 'embedded'
          ? ['--data', join(dir, 'embedded')]
          : ['--data', dir, '--redis', (await redis(ctx)).url];
      return spawnServer([...(await relayArgs(ctx)), ...extra], {}, BIN);
    },
    (s) => s.stop('SIGTERM'),
  );
}

/** `redis-benchmark -P 16` ZADD of 300-byte members into one sorted set of the bench's Redis. */
async function zadd(ctx: BenchContext): Promise<Sample> {
  const r = await redis(ctx);
  const member = 'x'.repeat(288) + '__rand_int__'; // 300 bytes once the 12-digit number is in
  const n = ctx.scale(300_000, 100_000);
  const { stdout } = await run(
    'redis-benchmark',
    [
      '-p',
      String(r.port),
      '-P',
      '16',
      '-n',
      String(n),
      '-r',
      '100000000',
      '--csv',
      'ZADD',
      'bench:z',
      '__rand_int__',
      member,
    ],
    { maxBuffer: 1 << 20 },
  );
  await run('redis-cli', ['-p', String(r.port), 'del', 'bench:z']);
  const row = stdout.trim().split('\n').at(-1)!.split('","');
  const rps = Number(row[1]);
  if (!(rps > 0)) throw new Error(`redis-benchmark: unreadable output:\n${stdout}`);
  return { value: rps, detail: `p50 ${row[4]} ms` };
}

function relayRow(
  store: 'embedded' | 'redis',
  batch: number,
  target?: Row['target'],
  transport: 'http' | 'session' = 'http',
): Row {
  const label = store === 'embedded' ? 'embedded (SQLite WAL, fdatasync per group)' : 'Redis (AOF everysec)';
  return {
    id: transport === 'http' ? `relay.${store}.b${batch}` : `session.relay.${store}.b${batch}`,
    name:
      transport === 'http'
        ? `relay post+pull+ack, ${label}, batch ${batch}, 8 clients`
        : `relay post+push+ack over sessions, ${label}, batch ${batch}, 8 clients`,
    referenceName: 'redis-benchmark -P 16 ZADD 300 B',
    unit: 'msg/s',
    referenceUnit: 'ops/s',
    better: 'higher',
    ...(target ? { target } : {}),
    measure: async (ctx) => {
      const s = await relay(ctx, store);
      const r = await relayRate(s.url, s.proc.pid, {
        workers: 8,
        batch,
        runMs: ctx.scale(4000, 1500),
        warmMs: ctx.scale(500, 300),
        transport,
      });
      return {
        value: r.rate,
        detail: `${r.cpuUsPerMsg.toFixed(0)} µs server CPU/msg`,
        extra: { serverCpuUsPerMsg: r.cpuUsPerMsg, clientCpuUsPerMsg: r.clientCpuUsPerMsg },
      };
    },
    reference: (ctx) => ctx.memo('zadd', () => zadd(ctx)),
  };
}

// ---- delivery latency ------------------------------------------------------------------

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/** Post sent → the held pull answered, `rounds` times, on the embedded relay. */
async function deliveries(ctx: BenchContext): Promise<{ p50: number; p99: number }> {
  const s = await relay(ctx, 'embedded');
  const puller = await clientFor(s.url);
  const poster = await clientFor(s.url);
  const rounds = ctx.scale(200, 50);
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const q = ed25519KeyPair();
    const pending = puller.pull([q], { timeoutMs: 20_000 });
    await sleep(15); // the pull reaches the server and is held
    const sent = performance.now();
    const [id] = await poster.post([message(q)]);
    const got = await pending;
    samples.push(performance.now() - sent);
    if (got.messages[0]?.id !== id) throw new Error('the held pull returned the wrong message');
    await puller.ack([{ lookup: q, ids: [id!] }]);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** A minimal Node HTTP server (its own process, like the relay) that answers every POST. */
function bareServer(ctx: BenchContext): Promise<{ url: string }> {
  return ctx.resource(
    'bare-http',
    () =>
      new Promise<{ url: string; proc: ChildProcess }>((resolve, reject) => {
        const code = `const s = require('node:http').createServer((q, r) => { q.resume(); q.on('end', () => r.end(Buffer.alloc(64))); });
          s.keepAliveTimeout = 65000; s.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + s.address().port));`;
        const proc = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
        proc.stdout.once('data', (d: Buffer) => {
          const m = /listening on (\S+)/.exec(d.toString());
          if (m) resolve({ url: m[1]!, proc });
          else reject(new Error(`bare server: ${d.toString()}`));
        });
        proc.once('error', reject);
      }),
    (b) => Promise.resolve((b as { proc: ChildProcess }).proc.kill()),
  );
}

/** Round trips of a 400-byte POST (about a sealed one-message post) to the bare server. */
async function bareRoundTrips(ctx: BenchContext): Promise<{ p50: number; p99: number }> {
  const { url } = await bareServer(ctx);
  const body = new Uint8Array(400);
  const rounds = ctx.scale(400, 100);
  const samples: number[] = [];
  for (let i = 0; i < rounds + 20; i++) {
    const t = performance.now();
    await httpRequest(`${url}/`, { method: 'POST', body, timeoutMs: 10_000 });
    if (i >= 20) samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

function latencyRow(p: 'p50' | 'p99'): Row {
  return {
    id: `latency.${p}`,
    name: `delivery latency ${p}, post → held pull answered (embedded)`,
    referenceName: `bare HTTP round trip ${p}`,
    unit: 'ms',
    better: 'lower',
    ratio: 'measure/reference',
    measure: async (ctx) => ({ value: (await ctx.memo('deliveries', () => deliveries(ctx)))[p] }),
    reference: async (ctx) => ({ value: (await ctx.memo('bare-rtt', () => bareRoundTrips(ctx)))[p] }),
  };
}

// ---- wake-ups as the fleet grows ---------------------------------------------------------

function cluster(ctx: BenchContext): Promise<RedisCluster> {
  return ctx.resource(
    'cluster',
    () => startRedisCluster(),
    (c) => c.destroy(),
  );
}

async function metricSum(servers: ServerProcess[], name: string): Promise<number> {
  let sum = 0;
  for (const s of servers) {
    const text = await (await fetch(`${s.url}/metrics`)).text();
    sum += Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  }
  return sum;
}

/**
 * `processes` relay processes on the Cluster; 8 pairs, each a puller holding long-polls
 * on its own queue through one process and a poster posting to it through another. Each
 * message is posted once its pull is held, so each one is delivered by a wake-up.
 * Returns the fleet's CPU (relay processes and Redis nodes) per delivered message and
 * the wake-ups the relay processes received per message.
 */
async function wakeCost(ctx: BenchContext, processes: number): Promise<Sample> {
  const c = await cluster(ctx);
  const args = [...(await relayArgs(ctx)), '--data', await dataDir(ctx), '--redis-cluster', c.urls.join(',')];
  const fleet = await Promise.all(Array.from({ length: processes }, () => spawnServer(args, {}, BIN)));
  try {
    const pairs = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => ({
        queue: ed25519KeyPair(),
        puller: await clientFor(fleet[i % processes]!.url),
        poster: await clientFor(fleet[(i + 1) % processes]!.url),
      })),
    );
    const pids = [...fleet.map((s) => s.proc.pid!), ...c.pids()];
    const cpu = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    // What the fleet burns with no traffic (timers, slot refreshes, the Cluster bus) grows
    // with its size whatever a wake-up costs: measured first, and taken out below.
    await sleep(ctx.scale(1000, 500));
    const idleFrom = cpu();
    const idleT = performance.now();
    await sleep(ctx.scale(3000, 1500));
    const idlePerMs = (cpu() - idleFrom) / (performance.now() - idleT);
    let delivered = 0;
    let measuring = false;
    const warmEnd = performance.now() + ctx.scale(1000, 500);
    let end = Infinity;
    let t0 = 0;
    let cpu0 = 0;
    let wakes0 = 0;
    await Promise.all(
      pairs.map(async ({ queue, puller, poster }) => {
        for (;;) {
          const now = performance.now();
          if (!measuring && now >= warmEnd) {
            measuring = true;
            // (a scrape is not free: /metrics counts the store's queues; read it outside the window)
            wakes0 = await metricSum(fleet, 'meow_wakeups_received_total');
            t0 = performance.now();
            end = t0 + ctx.scale(5000, 2000);
            cpu0 = cpu();
          }
          if (now >= end) return;
          const counted = measuring;
          const pending = puller.pull([queue], { timeoutMs: 20_000 });
          await sleep(30); // held before the post (most of the time: the rest need no wake-up)
          const [id] = await poster.post([message(queue, 256)]);
          const got = await pending;
          if (got.messages[0]?.id !== id) throw new Error('the held pull returned the wrong message');
          await puller.ack([{ lookup: queue, ids: [id!] }]);
          if (counted) delivered++;
        }
      }),
    );
    const elapsed = performance.now() - t0;
    const cpuUs = (cpu() - cpu0 - idlePerMs * elapsed) * 1e6;
    const wakes = (await metricSum(fleet, 'meow_wakeups_received_total')) - wakes0;
    const rate = (delivered * 1000) / elapsed;
    return {
      value: cpuUs / delivered,
      detail: `${(wakes / delivered).toFixed(2)} wake-ups/msg; idle fleet ${(idlePerMs * 1e5).toFixed(1)}% CPU, taken out`,
      extra: { processes, wakeupsPerMsg: wakes / delivered, msgPerSec: rate, idleCpuShare: idlePerMs * 1000 },
    };
  } finally {
    await Promise.all(fleet.map((s) => s.stop('SIGTERM')));
  }
}

function wakeRow(processes: number): Row {
  return {
    id: `wake.cluster.${processes}`,
    name: `wake-up cost, ${processes} relay processes on a 3-master Cluster (fleet CPU per delivered message, idle taken out)`,
    referenceName: 'the same with 2 processes',
    unit: 'µs/msg',
    better: 'lower',
    ratio: 'measure/reference',
    target: { max: 1.25, text: 'flat (≤ 1.25×)' },
    measure: (ctx) => wakeCost(ctx, processes),
    reference: (ctx) => ctx.memo('wake-2', () => wakeCost(ctx, 2)),
  };
}

export function relayRows(quick: boolean): Row[] {
  return [
    relayRow('embedded', 1, { min: 1 / 40, text: '≥ 1/40' }),
    relayRow('embedded', 20),
    relayRow('embedded', 100, { min: 0.5, text: '≥ 0.5×' }),
    relayRow('redis', 1, { min: 1 / 40, text: '≥ 1/40' }),
    relayRow('redis', 20),
    relayRow('redis', 100, { min: 0.5, text: '≥ 0.5×' }),
    relayRow('embedded', 1, { min: 1 / 40, text: '≥ 1/40' }, 'session'),
    relayRow('embedded', 100, { min: 1 / 4, text: '≥ 1/4' }, 'session'),
    relayRow('redis', 1, { min: 1 / 40, text: '≥ 1/40' }, 'session'),
    relayRow('redis', 100, { min: 1 / 4, text: '≥ 1/4' }, 'session'),
    latencyRow('p50'),
    latencyRow('p99'),
    ...(quick ? [] : [wakeRow(4)]),
    wakeRow(8),
  ];
}
