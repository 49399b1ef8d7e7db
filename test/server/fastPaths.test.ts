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
import { randomBytes, toHex } from '../../protocol/crypto/bytes.js';
import { ed25519KeyPair, x25519KeyPair } from '../../protocol/crypto/curves.js';
import { open } from '../../protocol/crypto/sealedBox.js';
import { decodeStrict, encode, meow } from '../../protocol/wire/proto.js';
import {
  openReply,
  openRequest,
  pullOperation,
  ReplySealer,
  sealRequest,
  signProofs,
} from '../../protocol/wire/serverProtocol.js';
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

describe('a pull carrying the ack of the previous one', () => {
  it('acks first, then pulls; a key both pulled and acked signs once', async () => {
    const relay = await startRelay();
    try {
      const c = relay.client();
      const q = ed25519KeyPair();
      const first = await c.post([packed(q), packed(q)]);
      const got = await c.pull([q], { timeoutMs: 0, maxMessages: 1 });
      expect(got.messages.map((m) => m.id)).toEqual([first[0]]);
      const next = await c.pull([q], { timeoutMs: 0, ack: [{ lookup: q, ids: [first[0]!] }] });
      expect(next.acked).toBe(1);
      expect(next.messages.map((m) => m.id)).toEqual([first[1]]);
      // One signature for the key: the ack item carries none.
      const req = sealRequest(relay.serverKey, ed25519KeyPair(), (ctx) =>
        pullOperation(ctx, [q], { timeoutMs: 0, ack: [{ lookup: q, ids: [first[1]!] }] }),
      );
      const opened = openRequest(relay.server['opts'].identity.box, req.body);
      expect(opened.message.ack?.items?.[0]?.key?.signature ?? new Uint8Array()).toHaveLength(0);
      expect(opened.message.pull?.keys?.[0]?.signature).toHaveLength(64);
      const reply = openReply(req, encode(meow.ServerReply, (await rawRequest(relay.url, req.body)).reply));
      expect(reply.acked).toBe(1);
      expect(await relay.store.queueLength(toHex(q.publicKey))).toBe(0);
    } finally {
      await relay.close();
    }
  });

  it('an acked queue that is not pulled needs its own proof; acked ids cannot be changed', async () => {
    const relay = await startRelay();
    try {
      const c = relay.client();
      const pulled = ed25519KeyPair();
      const other = ed25519KeyPair();
      const [id] = await c.post([packed(other)]);
      const device = ed25519KeyPair();
      // Without the other queue's proof: BAD_PROOF, nothing acked.
      const unsigned = sealRequest(relay.serverKey, device, (ctx) => {
        const m = pullOperation(ctx, [pulled], { timeoutMs: 0 });
        m.ack = { items: [{ key: { lookupKey: other.publicKey }, ids: [id!] }] };
        signProofs(ctx, m, [pulled]);
        return m;
      });
      const refused = await rawRequest(relay.url, unsigned.body);
      expect(openReply(unsigned, encode(meow.ServerReply, refused.reply)).error?.code).toBe(
        meow.ErrorCode.BAD_PROOF,
      );
      expect(await relay.store.queueLength(toHex(other.publicKey))).toBe(1);
      // Ids changed after signing: the pull proof no longer matches the request.
      const swapped = sealRequest(relay.serverKey, device, (ctx) => {
        const m = pullOperation(ctx, [other], {
          timeoutMs: 0,
          ack: [{ lookup: other, ids: ['0'.repeat(32)] }],
        });
        m.ack!.items![0]!.ids = [id!];
        return m;
      });
      const bad = await rawRequest(relay.url, swapped.body);
      expect(openReply(swapped, encode(meow.ServerReply, bad.reply)).error?.code).toBe(
        meow.ErrorCode.BAD_PROOF,
      );
      expect(await relay.store.queueLength(toHex(other.publicKey))).toBe(1);
      // With both proofs, it goes through.
      const both = await c.pull([pulled], { timeoutMs: 0, ack: [{ lookup: other, ids: [id!] }] });
      expect(both.acked).toBe(1);
    } finally {
      await relay.close();
    }
  });
});

describe('embedded nonces written in groups', () => {
  it('the same nonce twice in one group: the second is a replay; both persist across a reopen', async () => {
    const file = join(dir, 'nonces.db');
    const s = new SqliteStore(file);
    const now = Date.now();
    expect(
      await Promise.all([
        s.useNonce('n1', now, 60_000),
        s.useNonce('n1', now, 60_000),
        s.useNonce('n2', now, 60_000),
      ]),
    ).toEqual([true, false, true]);
    await s.close();
    const again = new SqliteStore(file);
    expect(await again.useNonce('n2', now, 60_000)).toBe(false);
    await again.close();
  });
});
