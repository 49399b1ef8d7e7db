/** Every configurable bound refuses at the bound and accepts below it, with its own error code. */
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes, toHex } from '../../protocol/crypto/bytes.js';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';

import { encode, meow } from '../../protocol/wire/proto.js';
import { sealRequest } from '../../protocol/wire/serverProtocol.js';
import type { Limits } from '../../server/config.js';
import { packed, rawRequest, startRelay, type TestRelay, refusal } from '../helpers/relay.js';

const relays: TestRelay[] = [];
async function relayWith(limits: Partial<Limits>): Promise<TestRelay> {
  const r = await startRelay({ limits });
  relays.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

/** A message whose encoding is exactly `size` bytes. */
function messageOfSize(dest: Uint8Array, size: number): meow.IPackedUserMessage {
  let payload = size - 100;
  for (;;) {
    const m = { destination: dest, payload: randomBytes(payload), signature: randomBytes(64) };
    const len = encode(meow.PackedUserMessage, m).length;
    if (len === size) return m;
    payload += size - len;
  }
}

describe('limits', () => {
  it('request body size: BODY_TOO_LARGE above the bound, accepted at it', async () => {
    const limit = 20_000;
    const r = await relayWith({ maxBodyBytes: limit, maxMessageBytes: 64 * 1024 });
    const dev = ed25519KeyPair();
    const dest = ed25519KeyPair().publicKey;
    const body = (payload: number) =>
      sealRequest(r.serverKey, dev, () => ({
        messages: [{ destination: dest, payload: randomBytes(payload), signature: randomBytes(64) }],
      })).body;
    // Find the payload that makes the body exactly `limit` bytes.
    let p = limit - 300;
    while (body(p).length !== limit) p += limit - body(p).length;
    const atLimit = await rawRequest(r.url, body(p));
    expect(atLimit.status).toBe(200);
    const over = await rawRequest(r.url, body(p + 1));
    expect(over.status).toBe(413);
    expect(over.reply.error?.code).toBe(meow.ErrorCode.BODY_TOO_LARGE);
    expect(await r.store.queueLength(toHex(dest))).toBe(1);
  });

  it('message size: MESSAGE_TOO_LARGE above the bound (with its index), accepted at it', async () => {
    const r = await relayWith({ maxMessageBytes: 2000 });
    const c = r.client();
    const q = ed25519KeyPair();
    expect(await c.post([messageOfSize(q.publicKey, 2000)])).toHaveLength(1);
    const e = await refusal(c.post([messageOfSize(q.publicKey, 300), messageOfSize(q.publicKey, 2001)]));
    expect([e.code, e.httpStatus, e.index]).toEqual(['MESSAGE_TOO_LARGE', 413, 1]);
    expect(await r.store.queueLength(toHex(q.publicKey))).toBe(1);
  });

  it('messages per post: TOO_MANY_MESSAGES above the bound, accepted at it', async () => {
    const r = await relayWith({ maxMessagesPerPost: 4 });
    const c = r.client();
    const q = ed25519KeyPair();
    expect(await c.post([1, 2, 3, 4].map(() => packed(q)))).toHaveLength(4);
    const e = await refusal(c.post([1, 2, 3, 4, 5].map(() => packed(q))));
    expect([e.code, e.httpStatus]).toEqual(['TOO_MANY_MESSAGES', 413]);
    expect(await r.store.queueLength(toHex(q.publicKey))).toBe(4);
  });

  it('keys per pull and per ack: TOO_MANY_KEYS above the bound, accepted at it', async () => {
    const r = await relayWith({ maxKeysPerPull: 3 });
    const c = r.client();
    const keys = [1, 2, 3, 4].map(() => ed25519KeyPair());
    await c.post(keys.map((k) => packed(k)));
    expect((await c.pull(keys.slice(0, 3), { timeoutMs: 0 })).messages).toHaveLength(3);
    const e = await refusal(c.pull(keys, { timeoutMs: 0 }));
    expect([e.code, e.httpStatus]).toEqual(['TOO_MANY_KEYS', 413]);
    const items = keys.map((k) => ({ lookup: k, ids: [] as string[] }));
    expect(await c.ack(items.slice(0, 3))).toBe(0);
    expect((await refusal(c.ack(items))).code).toBe('TOO_MANY_KEYS');
  });

  it('queue length: a full queue refuses new messages (QUEUE_FULL) and keeps the old', async () => {
    const r = await relayWith({ maxQueueLength: 3 });
    const c = r.client();
    const q = ed25519KeyPair();
    const first = [packed(q), packed(q)];
    await c.post(first);
    await c.post([packed(q)]); // reaches the bound
    const e = await refusal(c.post([packed(ed25519KeyPair()), packed(q)]));
    expect([e.code, e.httpStatus, e.index, e.retryable]).toEqual(['QUEUE_FULL', 507, 1, true]);
    const { messages } = await c.pull([q], { timeoutMs: 0 });
    expect(messages).toHaveLength(3);
    expect(messages[0]!.message!.payload).toEqual(first[0]!.payload);
    // Below the bound again after an ack: accepted.
    await c.ack([{ lookup: q, ids: [messages[0]!.id] }]);
    expect(await c.post([packed(q)])).toHaveLength(1);
  });

  it('long-poll timeout: held no longer than the server bound', async () => {
    const r = await relayWith({ maxPollMs: 300 });
    const c = r.client();
    const started = Date.now();
    const got = await c.pull([ed25519KeyPair()], { timeoutMs: 30_000 });
    const took = Date.now() - started;
    expect(got).toEqual({ messages: [], more: false });
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(20_000); // far below the 30 s the client asked for
  });

  it('messages per pull: bounded by the server, the rest flagged as more', async () => {
    const r = await relayWith({ maxPullMessages: 3 });
    const c = r.client();
    const q = ed25519KeyPair();
    await c.post([1, 2, 3, 4, 5].map(() => packed(q)));
    const got = await c.pull([q], { timeoutMs: 0, maxMessages: 100 });
    expect(got.messages).toHaveLength(3);
    expect(got.more).toBe(true);
    const two = await c.pull([q], { timeoutMs: 0, maxMessages: 2 });
    expect(two.messages).toHaveLength(2);
    const ids = got.messages.map((m) => m.id);
    expect(await c.ack([{ lookup: q, ids }])).toBe(3);
    const e = await refusal(c.ack([{ lookup: q, ids: [...ids, ...ids.slice(0, 1)] }]));
    expect(e.code).toBe('TOO_MANY_MESSAGES');
  });

  it('retention: messages older than the retention time are never delivered and are pruned', async () => {
    const r = await relayWith({ retentionMs: 300 });
    const c = r.client();
    const q = ed25519KeyPair();
    await c.post([packed(q)]);
    expect((await c.pull([q], { timeoutMs: 0 })).messages).toHaveLength(1);
    await new Promise((res) => setTimeout(res, 600));
    expect((await c.pull([q], { timeoutMs: 0 })).messages).toHaveLength(0);
    expect(await r.store.queueLength(toHex(q.publicKey))).toBe(0); // pruned by the periodic sweep
  });

  it('per-address request rate: RATE_LIMITED (429, Retry-After) past the burst, whatever the device key', async () => {
    const r = await relayWith({ ratePerSec: 0.5, rateBurst: 4 });
    const q = ed25519KeyPair();
    for (let i = 0; i < 4; i++) await r.client().post([packed(q)]); // four fresh device keys
    const e = await refusal(r.client().post([packed(q)]));
    expect([e.code, e.httpStatus, e.retryable, e.retryAfterMs]).toEqual(['RATE_LIMITED', 429, true, 2000]);
    expect(await r.store.queueLength(toHex(q.publicKey))).toBe(4);
  });

  it('per-address rate behind a trusted proxy: X-Forwarded-For counts, and only from that proxy', async () => {
    const post = (r: TestRelay, from: string) =>
      rawRequest(
        r.url,
        sealRequest(r.serverKey, ed25519KeyPair(), () => ({ messages: [packed(ed25519KeyPair())] })).body,
        { 'x-forwarded-for': `198.51.100.1, ${from}` },
      ).then((x) => x.status);
    const proxied = await startRelay({
      limits: { ratePerSec: 0.5, rateBurst: 2 },
      trustProxy: ['127.0.0.1'],
    });
    relays.push(proxied);
    expect([await post(proxied, '203.0.113.1'), await post(proxied, '203.0.113.1')]).toEqual([200, 200]);
    expect(await post(proxied, '203.0.113.1')).toBe(429);
    expect(await post(proxied, '203.0.113.2')).toBe(200); // another client behind the proxy
    // IPv6 clients count per /64
    expect(await post(proxied, '2001:db8:1:2::1')).toBe(200);
    expect(await post(proxied, '2001:db8:1:2:ffff::9')).toBe(200);
    expect(await post(proxied, '2001:db8:1:2::77')).toBe(429);
    // Not a trusted proxy: the header is the client's own claim and is ignored.
    const direct = await relayWith({ ratePerSec: 0.5, rateBurst: 2 });
    expect([await post(direct, '203.0.113.1'), await post(direct, '203.0.113.2')]).toEqual([200, 200]);
    expect(await post(direct, '203.0.113.3')).toBe(429);
  });

  it('invitation size: MESSAGE_TOO_LARGE above the bound, accepted at it', async () => {
    const r = await relayWith({ maxInvitationBytes: 1000 });
    const c = r.client();
    const owner = ed25519KeyPair();
    const exp = Date.now() + 60_000;
    expect(await c.putInvitation(randomBytes(1000), exp, owner)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const e = await refusal(c.putInvitation(randomBytes(1001), exp, owner));
    expect([e.code, e.httpStatus]).toEqual(['MESSAGE_TOO_LARGE', 413]);
  });

  it('invitation expiry: must be in the future and within the bound', async () => {
    const r = await relayWith({ maxInvitationTtlMs: 60_000 });
    const c = r.client();
    const owner = ed25519KeyPair();
    expect(await c.putInvitation(randomBytes(10), Date.now() + 50_000, owner)).toBeTruthy();
    expect((await refusal(c.putInvitation(randomBytes(10), Date.now() + 70_000, owner))).code).toBe(
      'MALFORMED',
    );
    expect((await refusal(c.putInvitation(randomBytes(10), Date.now() - 1, owner))).code).toBe('MALFORMED');
  });
});
