/**
 * Issue 11 against a real relay, on the embedded store and on Redis: sender
 * authorization per queue and per-destination limits (1), proofs bound to their
 * request (2), the device key sealed and TLS (3). Each of these attacks succeeded on
 * the relay before (see the issue); a refusal is checked for its code and for
 * leaving the queues as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, toHex } from '../../protocol/crypto/bytes.js';
import { ed25519KeyPair, sign, x25519KeyPair, type KeyPair } from '../../protocol/crypto/curves.js';
import { fetchServerCard, RelayClient } from '../../main/net/relayClient.js';
import { signedPart } from '../../protocol/wire/packing.js';
import { decodeStrict, meow } from '../../protocol/wire/proto.js';
import {
  ackOperation,
  pullOperation,
  sealMessage,
  sealRequest,
  secureOperation,
  type RequestContext,
} from '../../protocol/wire/serverProtocol.js';
import type { Limits } from '../../server/config.js';
import { RedisStore } from '../../server/store/redis.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { packed, rawRequest, refusal, startRelay, type TestRelay } from '../helpers/relay.js';
import { selfSignedCert, type TestCert } from '../helpers/tls.js';

/** A message as a registered sender signs it (the PackedUserMessage signature every client makes). */
function signedBy(sender: KeyPair, dest: KeyPair, payloadSize = 100): meow.IPackedUserMessage {
  const payload = randomBytes(payloadSize);
  return {
    destination: dest.publicKey,
    payload,
    signature: sign(sender, signedPart(dest.publicKey, payload)),
  };
}

describe.each(['embedded', 'redis'] as const)('relay hardening on the %s store', (kind) => {
  let redis: RedisProcess | undefined;
  let n = 0;
  const relays: TestRelay[] = [];
  beforeAll(async () => {
    if (kind === 'redis') redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(relays.splice(0).map((r) => r.close()));
    await redis?.destroy();
  });
  async function relay(limits: Partial<Limits> = {}, extra: { tls?: TestCert } = {}): Promise<TestRelay> {
    const store =
      kind === 'redis'
        ? await RedisStore.open({ kind: 'redis', url: redis!.url }, { prefix: `h${n++}:` })
        : undefined;
    const r = await startRelay({
      limits,
      ...(store ? { store } : {}),
      ...(extra.tls ? { tls: { cert: extra.tls.cert, key: extra.tls.key } } : {}),
    });
    relays.push(r);
    return r;
  }
  const length = (r: TestRelay, q: KeyPair) => r.store.queueLength(toHex(q.publicKey));

  describe('1. sender authorization per queue, limits per destination', () => {
    it('a secured queue takes only messages signed by a registered sender; the owner can replace the set', async () => {
      const r = await relay();
      const owner = r.client();
      const q = ed25519KeyPair();
      const [k1, k2] = [ed25519KeyPair(), ed25519KeyPair()];
      // open: anyone's message (the invitation answer arrives this way)
      await r.client().post([packed(q)]);
      expect(await owner.secure([{ lookup: q, senders: [k1.publicKey] }])).toBe(1);
      expect(await r.client().post([signedBy(k1, q)])).toHaveLength(1);
      for (const bad of [packed(q), signedBy(k2, q), { ...signedBy(k1, q), payload: randomBytes(100) }]) {
        const e = await refusal(r.client().post([signedBy(k1, q), bad]));
        expect([e.code, e.httpStatus, e.index, e.retryable]).toEqual(['NOT_AUTHORIZED', 403, 1, false]);
      }
      expect(await length(r, q)).toBe(2);
      // rotation: old and new while in flight, then only the new
      await owner.secure([{ lookup: q, senders: [k1.publicKey, k2.publicKey] }]);
      await r.client().post([signedBy(k1, q), signedBy(k2, q)]);
      await owner.secure([{ lookup: q, senders: [k2.publicKey] }]);
      expect((await refusal(r.client().post([signedBy(k1, q)]))).code).toBe('NOT_AUTHORIZED');
      await r.client().post([signedBy(k2, q)]);
      expect(await length(r, q)).toBe(5);
      // other queues stay open
      expect(await r.client().post([packed(ed25519KeyPair())])).toHaveLength(1);
    });

    it('registering needs the owner proof and sane keys; a refused registration changes nothing', async () => {
      const r = await relay();
      const q = ed25519KeyPair();
      const k = ed25519KeyPair().publicKey;
      const c = r.client();
      const secured = async () => (await r.store.senders([toHex(q.publicKey)], Date.now())).size;
      // no valid proof for the victim's queue: a forged signature, or a proof by the caller's own key
      const forged = await refusal(
        c.request(() => ({
          secure: {
            queues: [{ key: { lookupKey: q.publicKey, signature: randomBytes(64) }, senderKeys: [k] }],
          },
        })),
      );
      expect([forged.code, forged.httpStatus]).toEqual(['BAD_PROOF', 403]);
      const mine = ed25519KeyPair();
      const borrowed = await refusal(
        c.request((ctx) => {
          const m = secureOperation(ctx, [{ lookup: mine, senders: [k] }]);
          m.secure!.queues![0]!.key!.lookupKey = q.publicKey;
          return m;
        }),
      );
      expect(borrowed.code).toBe('BAD_PROOF');
      for (const senders of [[], [k, k, k, k, k], [randomBytes(31)]]) {
        const bad = await refusal(c.secure([{ lookup: q, senders }]));
        expect([bad.code, bad.httpStatus, bad.index]).toEqual(['MALFORMED', 400, 0]);
      }
      expect(
        (
          await refusal(
            c.secure([
              { lookup: q, senders: [k] },
              { lookup: q, senders: [k] },
            ]),
          )
        ).code,
      ).toBe('MALFORMED');
      expect(await secured()).toBe(0);
      expect(await r.client().post([packed(q)])).toHaveLength(1); // still open
    });

    it('an open queue (an invitation before its answer) holds only a few messages; securing it lifts the bound', async () => {
      const r = await relay({ openQueueLength: 3, maxQueueLength: 50 });
      const q = ed25519KeyPair();
      const sender = ed25519KeyPair();
      await r.client().post([packed(q), packed(q), packed(q)]);
      const e = await refusal(r.client().post([packed(q)]));
      expect([e.code, e.httpStatus, e.retryable]).toEqual(['QUEUE_FULL', 507, true]);
      expect(e.message).toMatch(/registers a sender/);
      await r.client().secure([{ lookup: q, senders: [sender.publicKey] }]);
      await r.client().post(Array.from({ length: 10 }, () => signedBy(sender, q)));
      expect(await length(r, q)).toBe(13);
    });

    it('the rate limit is per destination queue: ten fresh device keys are limited, other queues are not', async () => {
      // One token per 20 s: ten posts on a loaded machine must not see a refill.
      const r = await relay({ ratePerSec: 0, queueRatePerSec: 0.05, queueBurst: 2 });
      const q = ed25519KeyPair();
      const codes: string[] = [];
      for (let i = 0; i < 10; i++)
        await r
          .client()
          .post([packed(q)])
          .then(
            () => codes.push('OK'),
            (e: { code: string }) => codes.push(e.code),
          );
      expect(codes.slice(0, 2)).toEqual(['OK', 'OK']);
      expect(codes.slice(2)).toEqual(Array(8).fill('RATE_LIMITED'));
      expect(await length(r, q)).toBe(2);
      expect(await r.client().post([packed(ed25519KeyPair())])).toHaveLength(1);
      // a batch counts each message
      const other = ed25519KeyPair();
      await r.client().post([packed(other)]);
      const e = await refusal(r.client().post([packed(other), packed(other)]));
      expect([e.code, e.retryAfterMs]).toEqual(['RATE_LIMITED', 40_000]);
      expect(await length(r, other)).toBe(1);
    });

    it("a stranger's refused posts do not spend a secured queue's rate budget", async () => {
      const r = await relay({ ratePerSec: 0, queueRatePerSec: 0.1, queueBurst: 2 });
      const q = ed25519KeyPair();
      const sender = ed25519KeyPair();
      await r.client().secure([{ lookup: q, senders: [sender.publicKey] }]);
      for (let i = 0; i < 5; i++)
        expect((await refusal(r.client().post([packed(q)]))).code).toBe('NOT_AUTHORIZED');
      expect(await r.client().post([signedBy(sender, q), signedBy(sender, q)])).toHaveLength(2);
    });
  });

  describe('2. proofs bound to their request, replays refused store-wide', () => {
    /** The fields and context of a request some device D makes, with reply key R. */
    function context(r: TestRelay, device = ed25519KeyPair()) {
      const ctx: RequestContext = {
        serverKey: r.serverKey,
        deviceKey: device.publicKey,
        replyKey: x25519KeyPair().publicKey,
        timestamp: Date.now(),
        nonce: randomBytes(16),
      };
      const fields = {
        timestamp: ctx.timestamp,
        nonce: ctx.nonce,
        replyKey: ctx.replyKey,
        serverKey: ctx.serverKey,
      };
      return { ctx, device, fields };
    }

    it('a captured pull, re-wrapped under a fresh device key and reply key, is refused (BAD_PROOF)', async () => {
      const r = await relay();
      const q = ed25519KeyPair();
      await r.client().post([packed(q)]);
      const victim = context(r);
      const op = pullOperation(victim.ctx, [q]); // never delivered: the thief holds it back
      const thief = ed25519KeyPair();
      const thiefReply = x25519KeyPair().publicKey;
      for (const [dev, reply] of [
        [thief, victim.ctx.replyKey],
        [victim.device, thiefReply],
        [thief, thiefReply],
      ] as const) {
        const body = sealMessage(r.serverKey, dev, {
          ...op,
          ...victim.fields,
          nonce: randomBytes(16),
          replyKey: reply,
        });
        expect((await rawRequest(r.url, body)).status).toBe(403); // BAD_PROOF (sealed to the reply key it names)
      }
      // with the captured nonce itself: refused too — and that spends the nonce, so the held-back
      // original is now a replay (the thief could have dropped it anyway)
      const sameNonce = sealMessage(r.serverKey, thief, { ...op, ...victim.fields, replyKey: thiefReply });
      expect((await rawRequest(r.url, sameNonce)).status).toBe(403);
      const original = sealMessage(r.serverKey, victim.device, { ...op, ...victim.fields });
      expect((await rawRequest(r.url, original)).status).toBe(409);
      expect(await length(r, q)).toBe(1);
      // an untouched request works once
      const fresh = context(r);
      const ok = sealMessage(r.serverKey, fresh.device, {
        ...pullOperation(fresh.ctx, [q]),
        ...fresh.fields,
      });
      expect((await rawRequest(r.url, ok)).status).toBe(200);
    });

    it('a delivered request replayed under another device key with its nonce is REPLAYED', async () => {
      const r = await relay();
      const q = ed25519KeyPair();
      const v = context(r);
      const op = pullOperation(v.ctx, [q]);
      expect(
        (await rawRequest(r.url, sealMessage(r.serverKey, v.device, { ...op, ...v.fields }))).status,
      ).toBe(200);
      const replay = await rawRequest(
        r.url,
        sealMessage(r.serverKey, ed25519KeyPair(), { ...op, ...v.fields }),
      );
      expect(replay.status).toBe(409);
      // a post's nonce is spent for everyone too
      const post = context(r);
      const postFields = { messages: [packed(q)], ...post.fields };
      expect((await rawRequest(r.url, sealMessage(r.serverKey, post.device, postFields))).status).toBe(200);
      expect((await rawRequest(r.url, sealMessage(r.serverKey, ed25519KeyPair(), postFields))).status).toBe(
        409,
      );
      expect(await length(r, q)).toBe(1);
    });

    it('an ack re-wrapped with other ids deletes nothing (BAD_PROOF)', async () => {
      const r = await relay();
      const q = ed25519KeyPair();
      const ids = await r.client().post([packed(q), packed(q)]);
      const rewrites = [
        (item: meow.IAckItem) => ({ ...item, ids: [ids[1]!] }), // swapped
        (item: meow.IAckItem) => ({ ...item, ids }), // widened
      ];
      for (const rewrite of rewrites) {
        const v = context(r);
        const op = ackOperation(v.ctx, [{ lookup: q, ids: [ids[0]!] }]); // the owner acks the first only
        const m = { ack: { items: [rewrite(op.ack!.items![0]!)] } };
        const res = await rawRequest(r.url, sealMessage(r.serverKey, v.device, { ...m, ...v.fields }));
        expect(res.status).toBe(403);
      }
      expect(await length(r, q)).toBe(2);
    });
  });

  describe('3. metadata: the device key sealed; TLS', () => {
    it('no request carries the device key (or any lasting key) in clear', async () => {
      const r = await relay();
      const device = ed25519KeyPair();
      const q = ed25519KeyPair();
      const req = sealRequest(r.serverKey, device, (ctx) => pullOperation(ctx, [q]));
      const outer = decodeStrict(meow.SignedRequest, 'SignedRequest', req.body);
      expect([outer.version, outer.deviceKey.length, outer.signature.length]).toEqual([2, 0, 0]);
      const hex = toHex(req.body);
      for (const k of [device.publicKey, q.publicKey]) expect(hex).not.toContain(toHex(k));
      // The one key in clear is the box's one-time key, which is also this request's reply
      // key (serverProtocol.ts, sealRequest): fresh per request, so it links nothing.
      expect(toHex(outer.sealed.subarray(0, 32))).toBe(toHex(req.replyKey.publicKey));
      const next = sealRequest(r.serverKey, device, (ctx) => pullOperation(ctx, [q]));
      expect(toHex(next.body)).not.toContain(toHex(req.replyKey.publicKey));
      expect((await rawRequest(r.url, req.body)).status).toBe(200);
    });

    it('serves HTTPS with --tls: a client trusting the certificate works, others cannot connect', async () => {
      const cert = selfSignedCert();
      try {
        const r = await relay({}, { tls: cert });
        expect(r.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        const card = await fetchServerCard(r.url, { ca: cert.cert });
        expect(card.url).toBe(r.url);
        const c = r.client(); // trusts cert.cert
        const q = ed25519KeyPair();
        const [id] = await c.post([packed(q)]);
        expect((await c.pull([q], { timeoutMs: 0 })).messages.map((m) => m.id)).toEqual([id]);
        expect(await c.ack([{ lookup: q, ids: [id!] }])).toBe(1);
        // no CA: the certificate is not trusted
        const untrusting = new RelayClient({ url: r.url, serverKey: r.serverKey, device: ed25519KeyPair() });
        const e = await refusal(untrusting.post([packed(q)]));
        expect(e.code).toBe('UNREACHABLE');
        expect(e.message).toMatch(/certificate/i);
        // plain http to the TLS port gets nothing it can read
        const plain = new RelayClient({
          url: r.url.replace('https:', 'http:'),
          serverKey: r.serverKey,
          device: ed25519KeyPair(),
        });
        expect((await refusal(plain.post([packed(q)]))).code).toMatch(/UNREACHABLE|BAD_REPLY/);
        expect(await length(r, q)).toBe(0);
      } finally {
        cert.remove();
      }
    });
  });
});

describe('clients and plain http://', () => {
  it('refuse plain http:// to anything but loopback unless explicitly allowed', async () => {
    const serverKey = x25519KeyPair().publicKey;
    const device = ed25519KeyPair();
    for (const url of ['http://relay.example:8787', 'http://192.0.2.7:8787', 'http://[2001:db8::1]:8787']) {
      const e = await refusal(new RelayClient({ url, serverKey, device }).post([packed(ed25519KeyPair())]));
      expect([e.code, e.retryable]).toEqual(['INSECURE_TRANSPORT', false]);
      expect(e.message).toMatch(/MEOW_ALLOW_INSECURE_HTTP/);
      expect((await refusal(fetchServerCard(url))).code).toBe('INSECURE_TRANSPORT');
    }
    // allowed explicitly: it tries (and here finds nobody)
    const allowed = new RelayClient({
      url: 'http://relay.invalid:8787',
      serverKey,
      device,
      allowInsecureHttp: true,
      requestTimeoutMs: 5000,
    });
    expect((await refusal(allowed.post([packed(ed25519KeyPair())]))).code).toBe('UNREACHABLE');
  });
});
