/**
 * The relay's fast paths keep their promises: group commit on the embedded store
 * (posts of one event-loop turn in one transaction, each still all-or-nothing and
 * bounded on its own), replies sealed under a shared short-lived ephemeral key (never
 * the same key and nonce twice, readable by the client as before), and the nonce
 * recorded while the operation reads (a replay still refused, and nothing written).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes, toHex } from '../../main/crypto/bytes.js';
import { ed25519KeyPair, x25519KeyPair } from '../../main/crypto/curves.js';
import { open } from '../../main/crypto/sealedBox.js';
import { decodeStrict, encode, meow } from '../../main/wire/proto.js';
import { openReply, ReplySealer, sealRequest } from '../../main/wire/serverProtocol.js';
import { SqliteStore } from '../../server/store/sqlite.js';
import type { NewMessage } from '../../server/store/types.js';
import { packed, rawRequest, startRelay } from '../helpers/relay.js';

const dir = mkdtempSync(join(tmpdir(), 'meow-fast-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DAY = 24 * 3600_000;
const msg = (lookup: string): NewMessage => ({ lookup, id: toHex(randomBytes(16)), bytes: randomBytes(40) });

describe('embedded group commit', () => {
  it('posts made together are each all-or-nothing, and each sees the posts before it', async () => {
    const s = new SqliteStore(join(dir, 'group.db'));
    const q = toHex(randomBytes(32));
    const other = toHex(randomBytes(32));
    const woken: (string[] | null)[] = [];
    s.onWake((l) => woken.push(l));
    const now = Date.now();
    // Bound 3: the first post fits (2), the second (2 more) would pass it and is refused
    // whole, the third (1) fits; a post to another queue is not held back by the refusal.
    const [a, b, c, d] = await Promise.all([
      s.post([msg(q), msg(q)], now, 3, DAY),
      s.post([msg(q), msg(q)], now, 3, DAY),
      s.post([msg(q)], now, 3, DAY),
      s.post([msg(other)], now, 3, DAY),
    ]);
    expect([a, b, c, d]).toEqual([
      { ok: true, added: 2 },
      { ok: false, full: q },
      { ok: true, added: 1 },
      { ok: true, added: 1 },
    ]);
    expect(await s.queueLength(q)).toBe(3);
    expect(woken.flat().sort()).toEqual([q, other].sort());
    await s.close();
  });

  it('a post accepted just before close is written, and posts after close fail', async () => {
    const file = join(dir, 'close.db');
    const s = new SqliteStore(file);
    const q = toHex(randomBytes(32));
    const pending = s.post([msg(q)], Date.now(), 10, DAY);
    await s.close();
    expect(await pending).toEqual({ ok: true, added: 1 });
    await expect(s.post([msg(q)], Date.now(), 10, DAY)).rejects.toThrow(/closed/);
    const again = new SqliteStore(file);
    expect(await again.queueLength(q)).toBe(1);
    await again.close();
  });
});

describe('replies under a shared ephemeral key', () => {
  const body = (sealed: Uint8Array) => decodeStrict(meow.ServerReply, 'ServerReply', sealed).sealed;

  it('the client opens them; replies of one period share the ephemeral key, never a key and nonce', () => {
    const sealer = new ReplySealer(60_000, 100);
    const reply1 = x25519KeyPair();
    const reply2 = x25519KeyPair();
    const n1 = randomBytes(16);
    const n2 = randomBytes(16);
    const b1 = body(sealer.seal(reply1.publicKey, n1, { acked: 1 }));
    const b2 = body(sealer.seal(reply2.publicKey, n2, { acked: 2 }));
    expect(toHex(b1.subarray(0, 32))).toBe(toHex(b2.subarray(0, 32))); // one ephemeral
    // A reply key used again gets a fresh ephemeral: never the same key and nonce twice.
    const b3 = body(sealer.seal(reply1.publicKey, randomBytes(16), { acked: 3 }));
    expect(toHex(b3.subarray(0, 32))).not.toBe(toHex(b1.subarray(0, 32)));
    // The bound on uses renews it too.
    const small = new ReplySealer(60_000, 2);
    const keys = Array.from({ length: 3 }, () => x25519KeyPair().publicKey);
    const ephs = keys.map((k) => toHex(body(small.seal(k, randomBytes(16), {})).subarray(0, 32)));
    expect(ephs[0]).toBe(ephs[1]);
    expect(ephs[2]).not.toBe(ephs[1]);
    // Opening needs the right reply key (the sealed box is unchanged on the wire).
    expect(() => open(reply2, b1)).toThrow();
  });

  it('a real client reads replies sealed this way, request after request', async () => {
    const relay = await startRelay();
    try {
      const c = relay.client();
      const q = ed25519KeyPair();
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(...(await c.post([packed(q)])));
      const got = await c.pull([q], { timeoutMs: 0 });
      expect(got.messages.map((m) => m.id)).toEqual(ids);
      expect(await c.ack([{ lookup: q, ids }])).toBe(5);
    } finally {
      await relay.close();
    }
  });
});

describe('nonce recorded while the operation reads', () => {
  it('a replayed post is refused (REPLAYED) and stores nothing; a replayed pull returns nothing', async () => {
    const relay = await startRelay();
    try {
      const q = ed25519KeyPair();
      const post = sealRequest(relay.serverKey, ed25519KeyPair(), () => ({ messages: [packed(q)] }));
      expect((await rawRequest(relay.url, post.body)).status).toBe(200);
      const c = relay.client();
      const [m] = (await c.pull([q], { timeoutMs: 0 })).messages;
      await c.ack([{ lookup: q, ids: [m!.id] }]);
      // The same request again: the message would be new to the queue, but the nonce is known.
      const replay = await rawRequest(relay.url, post.body);
      expect(replay.status).toBe(409);
      expect(openReply(post, encode(meow.ServerReply, replay.reply)).error?.code).toBe(
        meow.ErrorCode.REPLAYED,
      );
      expect(await relay.store.queueLength(toHex(q.publicKey))).toBe(0);
    } finally {
      await relay.close();
    }
  });
});
