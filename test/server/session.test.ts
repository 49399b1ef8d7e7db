/**
 * Relay sessions against a real relay (embedded store): the client's SessionRelay for
 * what works, a raw WebSocket speaking the protocol by hand for what must be refused.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { randomBytes, toHex } from '../../protocol/crypto/bytes.js';
import { ed25519KeyPair, x25519KeyPair, type KeyPair } from '../../protocol/crypto/curves.js';
import { deviceAuth, subscriptionProof } from '../../protocol/session/auth.js';
import { FrameOpener, FrameSealer } from '../../protocol/session/frames.js';
import { clientFinish, clientStart } from '../../protocol/session/noise.js';
import { decodeStrict, encode, meow } from '../../protocol/wire/proto.js';
import { signedPart } from '../../protocol/wire/packing.js';
import { sign } from '../../protocol/crypto/curves.js';
import { SessionRelay } from '../../main/net/sessionRelay.js';
import { sessionUrl } from '../../main/net/sessionLink.js';
import { packed, refusal, startRelay, type TestRelay } from '../helpers/relay.js';

let relays: TestRelay[] = [];
let clients: SessionRelay[] = [];
afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await Promise.all(relays.map((r) => r.close()));
  relays = [];
});

async function relay(limits: Parameters<typeof startRelay>[0] = {}): Promise<TestRelay> {
  const r = await startRelay(limits);
  relays.push(r);
  return r;
}
function sessionClient(r: TestRelay, device: KeyPair = ed25519KeyPair()): SessionRelay {
  const c = new SessionRelay({ url: r.url, serverKey: r.serverKey, device });
  clients.push(c);
  return c;
}

async function metric(r: TestRelay, name: string): Promise<number> {
  const text = await (await fetch(`${r.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
async function refusals(r: TestRelay, reason: string): Promise<number> {
  return metric(r, `meow_session_refusals_total{reason="${reason}"}`);
}

/** A hand-driven session: the handshake, then sealed frames (for the refusal cases). */
class RawSession {
  ws!: WebSocket;
  sealer!: FrameSealer;
  opener!: FrameOpener;
  transcript!: Uint8Array;
  events: meow.SessionEvent[] = [];
  closed: Promise<number>;
  private closedResolve!: (code: number) => void;
  sentFrames: Uint8Array[] = [];

  constructor() {
    this.closed = new Promise((r) => (this.closedResolve = r));
  }

  static async open(r: TestRelay, pinned = r.serverKey, device: KeyPair | null = ed25519KeyPair()) {
    const s = new RawSession();
    s.ws = new WebSocket(sessionUrl(r.url));
    s.ws.on('close', (code) => s.closedResolve(code));
    s.ws.on('error', () => undefined);
    await new Promise((resolve) => s.ws.once('open', resolve));
    const hs = clientStart(pinned);
    s.ws.send(hs.message);
    const reply = await Promise.race([
      new Promise<Buffer>((resolve) => s.ws.once('message', resolve)),
      s.closed.then(() => null),
    ]);
    if (!reply) return s;
    const keys = clientFinish(hs, new Uint8Array(reply));
    s.transcript = keys.transcript;
    s.sealer = new FrameSealer(keys.clientToServer);
    s.opener = new FrameOpener(keys.serverToClient);
    s.ws.on('message', (d: Buffer) =>
      s.events.push(decodeStrict(meow.SessionEvent, 'SessionEvent', s.opener.open(new Uint8Array(d)))),
    );
    if (device) {
      s.send({ id: 1, auth: deviceAuth(device, s.transcript) });
      await s.reply(1);
    }
    return s;
  }

  send(req: meow.ISessionRequest): Uint8Array {
    const frame = this.sealer.seal(encode(meow.SessionRequest, req));
    this.sentFrames.push(frame);
    this.ws.send(frame);
    return frame;
  }

  async reply(id: number): Promise<meow.SessionEvent> {
    for (;;) {
      const ev = this.events.find((e) => e.id === id);
      if (ev) return ev;
      const more = await Promise.race([
        new Promise<boolean>((resolve) => this.ws.once('message', () => setImmediate(() => resolve(true)))),
        this.closed.then(() => false),
      ]);
      if (!more) throw new Error(`closed before reply ${id}`);
    }
  }
}

describe('relay sessions: what works', () => {
  it('subscribes once, gets messages pushed as they are posted, acks them over the session', async () => {
    const r = await relay();
    const lookup = ed25519KeyPair();
    const owner = sessionClient(r);
    const sender = sessionClient(r);
    await sender.post([packed(lookup)]); // queued before the subscription: pushed on subscribe
    const first = await owner.pull([lookup], { timeoutMs: 0 });
    expect(first.messages).toHaveLength(1);
    expect(owner.transportKind()).toBe('session');
    // Held: returns when the next post is pushed.
    const waiting = owner.pull([lookup], {
      timeoutMs: 20_000,
      ack: [{ lookup, ids: [first.messages[0]!.id] }],
    });
    const [id] = await sender.post([packed(lookup)]);
    const second = await waiting;
    expect(second.messages.map((m) => m.id)).toEqual([id]);
    expect(await owner.ack([{ lookup, ids: [id!] }])).toBe(1);
    expect(await r.store.queueLength(toHex(lookup.publicKey))).toBe(0);
    expect(await metric(r, 'meow_messages_pushed_total')).toBe(2);
    // One subscription, one session per client; the second pull sent nothing but its ack.
    expect(await metric(r, 'meow_sessions')).toBe(2);
    expect(await metric(r, 'meow_session_subscriptions')).toBe(1);
    expect(await metric(r, 'meow_requests_total{type="session_subscribe",result="OK"}')).toBe(1);
  });

  it('an unacked message is pulled again (like the queue over HTTP) and goes once acked', async () => {
    const r = await relay();
    const lookup = ed25519KeyPair();
    const c = sessionClient(r);
    await c.post([packed(lookup), packed(lookup)]);
    const a = await c.pull([lookup], { timeoutMs: 0 });
    const b = await c.pull([lookup], { timeoutMs: 0 });
    expect(b.messages.map((m) => m.id)).toEqual(a.messages.map((m) => m.id));
    const c2 = await c.pull([lookup], { timeoutMs: 0, ack: [{ lookup, ids: a.messages.map((m) => m.id) }] });
    expect(c2.messages).toHaveLength(0);
  });

  it('a backlog larger than a page and than the unacked bound comes page by page as it is acked', async () => {
    const r = await relay({ limits: { openQueueLength: 10_000, queueRatePerSec: 0, ratePerSec: 0 } });
    const lookup = ed25519KeyPair();
    const poster = sessionClient(r);
    for (let i = 0; i < 12; i++) await poster.post(Array.from({ length: 100 }, () => packed(lookup, 20)));
    const c = sessionClient(r);
    const seen = new Set<string>();
    let ack: string[] = [];
    for (let round = 0; round < 50; round++) {
      const got = await c.pull([lookup], { timeoutMs: 0, maxMessages: 200, ack: [{ lookup, ids: ack }] });
      if (!got.messages.length) break;
      for (const m of got.messages) seen.add(m.id);
      ack = got.messages.map((m) => m.id);
    }
    expect(seen.size).toBe(1200);
    expect(await r.store.queueLength(toHex(lookup.publicKey))).toBe(0);
  });

  it('a queue no pull names any more is unsubscribed (a retired queue stops costing the relay)', async () => {
    const r = await relay();
    const [old, live] = [ed25519KeyPair(), ed25519KeyPair()];
    const c = new SessionRelay({
      url: r.url,
      serverKey: r.serverKey,
      device: ed25519KeyPair(),
      unsubscribeAfterMs: 300,
    });
    clients.push(c);
    await c.pull([old, live], { timeoutMs: 0 });
    expect(await metric(r, 'meow_session_subscriptions')).toBe(2);
    await new Promise((res) => setTimeout(res, 400));
    await c.pull([live], { timeoutMs: 0 });
    await expect.poll(() => metric(r, 'meow_session_subscriptions')).toBe(1);
  });

  it('posts keep the per-queue sender authorization (secure) over the session', async () => {
    const r = await relay();
    const lookup = ed25519KeyPair();
    const senderKey = ed25519KeyPair();
    const owner = sessionClient(r);
    expect(await owner.secure([{ lookup, senders: [senderKey.publicKey] }])).toBe(1);
    const payload = randomBytes(50);
    const signed = {
      destination: lookup.publicKey,
      payload,
      signature: sign(senderKey, signedPart(lookup.publicKey, payload)),
    };
    const poster = sessionClient(r);
    expect(await poster.post([signed])).toHaveLength(1);
    const e = await refusal(poster.post([packed(lookup)]));
    expect(e.code).toBe('NOT_AUTHORIZED');
    expect(e.authenticated).toBe(true);
  });

  it('invitations over the session: put, get, delete by the owner only', async () => {
    const r = await relay();
    const c = sessionClient(r);
    const owner = ed25519KeyPair();
    const id = await c.putInvitation(randomBytes(100), Date.now() + 60_000, owner);
    expect((await c.getInvitation(id)).blob).toHaveLength(100);
    expect((await refusal(c.deleteInvitation(id, ed25519KeyPair()))).code).toBe('BAD_PROOF');
    await c.deleteInvitation(id, owner);
    expect((await refusal(c.getInvitation(id))).code).toBe('NOT_FOUND');
  });

  it('two connections subscribing one queue: the newest owns it, the older is told', async () => {
    const r = await relay();
    const lookup = ed25519KeyPair();
    const old = await RawSession.open(r);
    old.send({ id: 2, subscribe: { keys: [subscriptionProof(lookup, old.transcript)] } });
    expect((await old.reply(2)).subscribed).toBe(1);
    const newer = sessionClient(r);
    await newer.pull([lookup], { timeoutMs: 0 });
    await expect
      .poll(() => old.events.some((e) => e.taken.some((k) => toHex(k) === toHex(lookup.publicKey))))
      .toBe(true);
    const [id] = await sessionClient(r).post([packed(lookup)]);
    expect((await newer.pull([lookup], { timeoutMs: 20_000 })).messages.map((m) => m.id)).toEqual([id]);
    expect(old.events.some((e) => e.push.length)).toBe(false);
    // Ack over the old one is refused: it no longer holds the queue.
    old.send({ id: 3, ack: { items: [{ key: { lookupKey: lookup.publicKey }, ids: [id!] }] } });
    expect((await old.reply(3)).reply?.error?.code).toBe(meow.ErrorCode.NOT_AUTHORIZED);
  });

  it('a relay restart: the waiting pull fails, the next one opens a new session and subscribes again', async () => {
    const r = await relay();
    const lookup = ed25519KeyPair();
    const c = sessionClient(r);
    await c.pull([lookup], { timeoutMs: 0 });
    const waiting = c.pull([lookup], { timeoutMs: 30_000 }).catch((e: unknown) => e);
    // The relay's sessions end (as on a restart) with a sealed bye.
    r.server.sessions.close();
    expect(((await waiting) as { code: string }).code).toBe('SHUTTING_DOWN');
    const r2 = await relay();
    const moved = new SessionRelay({ url: r2.url, serverKey: r2.serverKey, device: ed25519KeyPair() });
    clients.push(moved);
    await moved.pull([lookup], { timeoutMs: 0 });
    const [id] = await sessionClient(r2).post([packed(lookup)]);
    expect((await moved.pull([lookup], { timeoutMs: 20_000 })).messages.map((m) => m.id)).toEqual([id]);
  });
});

describe('relay sessions: refused and counted', () => {
  it('a handshake made for another server key', async () => {
    const r = await relay();
    const s = await RawSession.open(r, x25519KeyPair().publicKey, null);
    expect(await s.closed).toBe(4001);
    expect(await refusals(r, 'wrong_server_key')).toBe(1);
    // The client says so clearly.
    const c = new SessionRelay({
      url: r.url,
      serverKey: x25519KeyPair().publicKey,
      device: ed25519KeyPair(),
    });
    clients.push(c);
    expect((await refusal(c.pull([ed25519KeyPair()], { timeoutMs: 0 }))).code).toBe('NOT_FOR_THIS_SERVER');
  });

  it('a replayed frame, a re-ordered frame, a forged frame, a malformed one', async () => {
    const r = await relay();
    const a = await RawSession.open(r);
    a.ws.send(a.sentFrames[0]!); // the auth frame again
    expect(await a.closed).toBe(4002);
    expect(await refusals(r, 'frame_replayed')).toBe(1);

    const b = await RawSession.open(r);
    b.sealer.seal(new Uint8Array(0)); // frame 1 never sent
    b.send({ id: 5, unsubscribe: { lookupKeys: [] } });
    expect(await b.closed).toBe(4002);
    expect(await refusals(r, 'frame_out_of_order')).toBe(1);

    const c = await RawSession.open(r);
    const forged = c.sealer.seal(encode(meow.SessionRequest, { id: 2 }));
    forged[forged.length - 1]! ^= 1;
    c.ws.send(forged);
    expect(await c.closed).toBe(4002);
    expect(await refusals(r, 'frame_forged')).toBe(1);

    const d = await RawSession.open(r);
    d.ws.send(d.sealer.seal(Uint8Array.of(0xff, 0xff, 0xff))); // sealed, but not a SessionRequest
    expect(await d.closed).toBe(4003);
    expect(await refusals(r, 'malformed')).toBe(1);
  });

  it('a device auth from another session, and requests before the auth', async () => {
    const r = await relay();
    const a = await RawSession.open(r);
    const b = await RawSession.open(r, r.serverKey, null);
    b.send({ id: 1, auth: deviceAuth(ed25519KeyPair(), a.transcript) });
    expect(await b.closed).toBe(4004);
    const c = await RawSession.open(r, r.serverKey, null);
    c.send({ id: 1, request: { messages: [packed(ed25519KeyPair())] } });
    expect(await c.closed).toBe(4004);
    expect(await refusals(r, 'bad_auth')).toBe(2);
  });

  it('a subscription proof from another session is refused (BAD_PROOF) and counted', async () => {
    const r = await relay();
    const lookup = ed25519KeyPair();
    const a = await RawSession.open(r);
    const b = await RawSession.open(r);
    b.send({ id: 2, subscribe: { keys: [subscriptionProof(lookup, a.transcript)] } });
    expect((await b.reply(2)).reply?.error?.code).toBe(meow.ErrorCode.BAD_PROOF);
    expect(await refusals(r, 'bad_proof')).toBe(1);
    expect(await metric(r, 'meow_session_subscriptions')).toBe(0);
  });

  it('10,000 subscriptions on one connection: refused past the bound', async () => {
    const r = await relay({ limits: { maxSessionSubscriptions: 300, ratePerSec: 0 } });
    const s = await RawSession.open(r);
    let id = 10;
    let refused = 0;
    for (let i = 0; i < 10_000 && !refused; i += 250) {
      const keys = Array.from({ length: 250 }, () => ed25519KeyPair());
      s.send({ id: ++id, subscribe: { keys: keys.map((k) => subscriptionProof(k, s.transcript)) } });
      const ev = await s.reply(id);
      if (ev.reply?.error?.code === meow.ErrorCode.TOO_MANY_KEYS) refused++;
    }
    expect(refused).toBe(1);
    expect(await metric(r, 'meow_session_subscriptions')).toBe(250);
    expect(await refusals(r, 'too_many_subscriptions')).toBe(1);
  });

  it('a client that never reads is dropped once its send buffer passes the bound', async () => {
    const r = await relay({
      limits: {
        maxSessionBufferBytes: 256 * 1024,
        ratePerSec: 0,
        queueRatePerSec: 0,
        openQueueLength: 10_000,
      },
    });
    const lookup = ed25519KeyPair();
    const s = await RawSession.open(r);
    s.send({ id: 2, subscribe: { keys: [subscriptionProof(lookup, s.transcript)] } });
    await s.reply(2);
    s.ws.pause(); // stops reading: the relay's writes pile up
    const poster = sessionClient(r);
    for (let i = 0; i < 40 && (await refusals(r, 'slow_client')) === 0; i++)
      await poster.post(Array.from({ length: 20 }, () => packed(lookup, 30_000)));
    expect(await refusals(r, 'slow_client')).toBe(1);
    // Nothing was lost: the messages wait in the queue for the next session.
    expect(await r.store.queueLength(toHex(lookup.publicKey))).toBeGreaterThan(0);
  });

  it('a connection flood from one address is refused past the per-address bound', async () => {
    const r = await relay({ limits: { maxSessionsPerAddress: 3 } });
    const open = await Promise.all([0, 1, 2].map(() => RawSession.open(r)));
    const c = new SessionRelay({ url: r.url, serverKey: r.serverKey, device: ed25519KeyPair() });
    clients.push(c);
    // Refused with 429: not a reason to fall back to HTTP, a reason to wait.
    expect((await refusal(c.pull([ed25519KeyPair()], { timeoutMs: 0 }))).code).toBe('RATE_LIMITED');
    expect(await refusals(r, 'too_many_sessions')).toBe(1);
    open[0]!.ws.close();
    await open[0]!.closed;
    await expect.poll(async () => (await RawSession.open(r)).transcript !== undefined).toBe(true);
  });

  it('a proxy that cuts WebSocket upgrades: after two failed sessions the client uses HTTP, and stays on it', async () => {
    const r = await relay();
    // Forwards plain HTTP to the relay; an upgrade request is cut without an answer.
    const proxy = createServer((req, res) => {
      const up = httpRequest(`${r.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(up);
    });
    proxy.on('upgrade', (_req, socket: Duplex) => socket.destroy());
    await new Promise<void>((res) => proxy.listen(0, '127.0.0.1', res));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const lookup = ed25519KeyPair();
      const c = new SessionRelay({ url, serverKey: r.serverKey, device: ed25519KeyPair() });
      clients.push(c);
      const codes: string[] = [];
      for (let i = 0; i < 3; i++) {
        const got = await c.pull([lookup], { timeoutMs: 0 }).then(
          () => 'OK',
          (e: unknown) => (e as { code: string }).code,
        );
        codes.push(got);
      }
      expect(codes).toEqual(['UNREACHABLE', 'OK', 'OK']); // the second failure is answered over HTTP
      expect(c.transportKind()).toBe('http');
      await sessionClient(r).post([packed(lookup)]);
      expect((await c.pull([lookup], { timeoutMs: 0 })).messages).toHaveLength(1);
      expect(c.transportKind()).toBe('http');
    } finally {
      proxy.closeAllConnections();
      await new Promise((res) => proxy.close(res));
    }
  });

  it('a relay without sessions: the client falls back to HTTP and says so', async () => {
    const r = await relay();
    const c = new SessionRelay({
      url: r.url + '/no-such-prefix',
      serverKey: r.serverKey,
      device: ed25519KeyPair(),
    });
    clients.push(c);
    // The session URL answers 404 (as a proxy refusing the upgrade would); HTTP then fails too
    // (wrong path): the point here is that the client tried HTTP.
    await refusal(c.pull([ed25519KeyPair()], { timeoutMs: 0 }));
    expect(c.transportKind()).toBe('http');
  });
});
