/**
 * `meow-server` processes on a real Redis: two processes sharing one Redis (the
 * scale-out path), persistence across a Redis restart, and a Redis outage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ed25519KeyPair, type KeyPair } from '../../protocol/crypto/curves.js';
import { fetchServerCard, RelayClient, RelayError } from '../../main/net/relayClient.js';
import { encode, meow } from '../../protocol/wire/proto.js';
import { openReply, sealRequest } from '../../protocol/wire/serverProtocol.js';
import { packed, rawRequest } from '../helpers/relay.js';
import { startRedis, startRedisCluster, type RedisCluster, type RedisProcess } from '../helpers/redis.js';
import { spawnServer, type ServerProcess } from '../helpers/serverProcess.js';

const dir = mkdtempSync(join(tmpdir(), 'meow-proc-redis-'));
const keyFile = join(dir, 'server-key.json');
const running: ServerProcess[] = [];
async function start(args: string[]): Promise<ServerProcess> {
  const s = await spawnServer(['--key', keyFile, '--data', dir, ...args]);
  running.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop('SIGTERM')));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function clientFor(url: string, device = ed25519KeyPair()) {
  const card = await fetchServerCard(url);
  return new RelayClient({ url, serverKey: card.publicKey, device });
}

/** A pull held on `a` is answered by a post made through `b`. */
async function crossProcessWake(a: ServerProcess, b: ServerProcess, q = ed25519KeyPair()): Promise<number> {
  const onA = await clientFor(a.url);
  const onB = await clientFor(b.url);
  const pending = onA.pull([ed25519KeyPair(), q], { timeoutMs: 20_000 });
  // Wait until the pull is held on A.
  for (let i = 0; i < 200; i++) {
    if (/^meow_held_polls 1$/m.test(await (await fetch(`${a.url}/metrics`)).text())) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const posted = Date.now();
  const [id] = await onB.post([packed(q)]);
  const got = await pending;
  const latency = Date.now() - posted;
  expect(got.messages.map((m) => m.id)).toEqual([id]);
  expect(latency).toBeLessThan(5000); // far before the 20 s poll timeout
  return latency;
}

describe('two server processes on one Redis', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.destroy();
  });

  it('a pull held on one process is answered by a post on the other', async () => {
    const a = await start(['--redis', redis.url]);
    const b = await start(['--redis', redis.url]);
    const ms = await crossProcessWake(a, b);
    console.log(`cross-process wake-up (Redis): ${ms} ms`);
    await crossProcessWake(b, a);
  });

  it('share replay protection and queues: a request replayed to the other process is refused', async () => {
    const a = await start(['--redis', redis.url]);
    const b = await start(['--redis', redis.url]);
    const q = ed25519KeyPair();
    const c = await clientFor(a.url);
    const [id] = await c.post([packed(q)]);
    const viaB = await clientFor(b.url);
    expect((await viaB.pull([q], { timeoutMs: 0 })).messages.map((m) => m.id)).toEqual([id]);
    expect(await viaB.ack([{ lookup: q, ids: [id!] }])).toBe(1);
    expect((await c.pull([q], { timeoutMs: 0 })).messages).toEqual([]);
    // A request seen by A and replayed to B.
    const card = await fetchServerCard(a.url);
    const req = sealRequest(card.publicKey, ed25519KeyPair(), () => ({ messages: [packed(q)] }));
    expect((await rawRequest(a.url, req.body)).status).toBe(200);
    const replay = await rawRequest(b.url, req.body);
    expect(replay.status).toBe(409);
    expect(openReply(req, encode(meow.ServerReply, replay.reply)).error?.code).toBe(meow.ErrorCode.REPLAYED);
  });
});

describe('Redis persistence and outages', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis({ persistence: true });
  });
  afterAll(async () => {
    await redis?.destroy();
  });

  it('delivers messages posted before a Redis restart', async () => {
    const s = await start(['--redis', redis.url]);
    const c = await clientFor(s.url);
    const q = ed25519KeyPair();
    const ids = await c.post([packed(q), packed(q)]);
    await redis.stop();
    await redis.start();
    let got: string[] = [];
    for (let i = 0; i < 200; i++) {
      try {
        got = (await c.pull([q], { timeoutMs: 0 })).messages.map((m) => m.id);
        break;
      } catch (e) {
        expect((e as RelayError).code).toBe('STORE_UNAVAILABLE');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(got).toEqual(ids);
  });

  it('while Redis is away: STORE_UNAVAILABLE (503, retryable), nothing stored; recovers by itself', async () => {
    const s = await start(['--redis', redis.url]);
    const c = await clientFor(s.url);
    const q = ed25519KeyPair();
    const [kept] = await c.post([packed(q)]);
    await redis.stop();

    const refusedPost = packed(q);
    for (const attempt of [
      () => c.post([refusedPost]),
      () => c.pull([q], { timeoutMs: 0 }),
      () => c.ack([{ lookup: q, ids: [kept!] }]),
      () => c.getInvitation('AAAAAAAAAAAAAAAAAAAAAA'),
    ]) {
      const e = await attempt().then(
        () => null,
        (x: unknown) => x as RelayError,
      );
      expect(e).toBeInstanceOf(RelayError);
      expect([e!.code, e!.httpStatus, e!.retryable]).toEqual(['STORE_UNAVAILABLE', 503, true]);
    }
    expect((await fetch(`${s.url}/healthz`)).status).toBe(503);
    expect(s.stderr()).toMatch(/"code":"STORE_UNAVAILABLE"/);

    await redis.start();
    let ok = false;
    for (let i = 0; i < 300 && !ok; i++) {
      ok = (await fetch(`${s.url}/healthz`)).status === 200;
      if (!ok) await new Promise((r) => setTimeout(r, 50));
    }
    expect(ok).toBe(true);
    // The refused post stored nothing; the earlier message is still there.
    expect((await c.pull([q], { timeoutMs: 0 })).messages.map((m) => m.id)).toEqual([kept]);
    expect(await c.post([refusedPost])).toHaveLength(1);
    // Long-polls work again across the reconnect (the subscriber resubscribed).
    const other = await clientFor(s.url);
    const fresh = ed25519KeyPair();
    const pending = c.pull([fresh], { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 100));
    const [id] = await other.post([packed(fresh)]);
    expect((await pending).messages.map((m) => m.id)).toEqual([id]);
  });
});

describe('two server processes on a three-node Redis Cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('relays across processes and slots', async () => {
    const a = await start(['--redis-cluster', cluster.urls.join(',')]);
    const b = await start(['--redis-cluster', cluster.urls.slice(1).join(',')]);
    const ms = await crossProcessWake(a, b);
    console.log(`cross-process wake-up (Redis Cluster): ${ms} ms`);
    await crossProcessWake(b, a);
    // Many queues spread over all three masters, posted in one batch and pulled in one request.
    const keys = Array.from({ length: 30 }, () => ed25519KeyPair());
    const ca = await clientFor(a.url);
    const ids = await ca.post(keys.map((k) => packed(k)));
    const got = await (await clientFor(b.url)).pull(keys, { timeoutMs: 0 });
    expect(new Set(got.messages.map((m) => m.id))).toEqual(new Set(ids));
    expect(await ca.ack(keys.map((k, i) => ({ lookup: k, ids: [ids[i]!] })))).toBe(30);
    expect((await ca.pull(keys, { timeoutMs: 0 })).messages).toEqual([]);
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${b.url}/metrics`)).text()).toMatch(/^meow_queue_messages \d+$/m);
  });

  it('recovers when a master goes away and comes back: requests, then wake-ups on every shard', async () => {
    const a = await start(['--redis-cluster', cluster.urls.join(',')]);
    const b = await start(['--redis-cluster', cluster.urls.join(',')]);
    await crossProcessWake(a, b);
    await cluster.stopNode(0);
    // Queues in the lost slots cannot be served: some of these fail, and only with STORE_UNAVAILABLE.
    const ca = await clientFor(a.url);
    const keys = Array.from({ length: 12 }, () => ed25519KeyPair());
    const outcomes = await Promise.all(
      keys.map((k) =>
        ca.post([packed(k)]).then(
          () => 'ok',
          (e: RelayError) => e.code,
        ),
      ),
    );
    expect(outcomes).toContain('STORE_UNAVAILABLE');
    expect(outcomes.every((o) => o === 'ok' || o === 'STORE_UNAVAILABLE')).toBe(true);
    await cluster.startNode(0);
    // Wait until every slot answers again through A.
    const probe = Array.from({ length: 12 }, () => ed25519KeyPair());
    let ok = false;
    for (let i = 0; i < 300 && !ok; i++) {
      ok = await ca.post(probe.map((k) => packed(k))).then(
        () => true,
        () => false,
      );
      if (!ok) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ok).toBe(true);
    // Held pulls on A are woken by posts on B again, on queues of every master (a
    // queue's wake-up channel lives in the queue's own slot).
    const byShard = new Map<number, KeyPair>();
    while (byShard.size < 16) {
      const k = ed25519KeyPair();
      byShard.set(k.publicKey[0]! % 16, k);
    }
    for (const k of byShard.values()) await crossProcessWake(a, b, k);
  });
});
