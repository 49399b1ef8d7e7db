/**
 * One relay session on the server: a WebSocket that goes through the Noise NK handshake
 * (protocol/session/noise.ts), the device's auth, then sealed requests (subscribe,
 * unsubscribe, ack, post/secure/invitation) and pushes. Anything that breaks the
 * protocol — a malformed, replayed, re-ordered or forged frame, a handshake for another
 * key, a bad device auth — ends the session with a close code and is counted by reason in
 * /metrics; a refused request (a foreign proof, too many subscriptions, a full queue)
 * gets an error reply and the session goes on.
 *
 * Pushes: a subscribed queue that may have new messages (a wake-up, an ack that made
 * room) is read, and what this session has not been sent yet goes out; a message stays
 * queued until acked. At most MAX_UNACKED pushed messages wait for their ack; past that
 * the relay waits for acks. A client that does not read fills its send buffer: past
 * `maxSessionBufferBytes` the session is dropped (the client reconnects and re-pulls).
 */
import type { WebSocket } from 'ws';
import { toHex } from '../../protocol/crypto/bytes.js';
import {
  sessionRequestContext,
  verifyDeviceAuth,
  verifySubscriptionProof,
} from '../../protocol/session/auth.js';
import { FrameError, FrameOpener, FrameSealer } from '../../protocol/session/frames.js';
import { HandshakeError, serverRespond, type SessionKeys } from '../../protocol/session/noise.js';
import { WireError } from '../../protocol/wire/errors.js';
import { decodeStrict, encode, meow } from '../../protocol/wire/proto.js';
import type { Limits } from '../config.js';
import { RelayFailure, StoreUnavailableError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { operationOf, runOperation } from '../operations.js';
import type { RelayStore } from '../store/types.js';
import type { WaiterRegistry } from '../waiters.js';
import type { Subscriber, SubscriptionRegistry } from './registry.js';

/** Pushed messages waiting for their ack, per session. */
export const MAX_UNACKED = 1000;
/** From the WebSocket upgrade to a proven device. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
const MESSAGE_ID = /^[0-9a-f]{32}$/;
const ADMITTED = Promise.resolve();

/** WebSocket close codes of the relay's refusals (4000–4999 are the application's). */
export const CLOSE = {
  handshake: 4001,
  frame: 4002,
  malformed: 4003,
  auth: 4004,
  slow: 4008,
  timeout: 4009,
  shutdown: 1001,
} as const;

export interface SessionDeps {
  store: RelayStore;
  limits: Limits;
  server: { publicKey: Uint8Array; privateKey: Uint8Array };
  metrics: Metrics;
  registry: SubscriptionRegistry;
  waiters: WaiterRegistry;
  log: (entry: Record<string, unknown>) => void;
  /** The per-address rate limit (one token per request, as on the HTTP path). */
  admit: () => Promise<boolean>;
}

export class SessionConnection implements Subscriber {
  private state: 'handshake' | 'auth' | 'open' | 'closed' = 'handshake';
  private keys: SessionKeys | null = null;
  private sealer: FrameSealer | null = null;
  private opener: FrameOpener | null = null;
  private deviceKey: Uint8Array | null = null;
  /** Subscribed queues, each with the release of its wake-up routing. */
  private readonly subs = new Map<string, () => void>();
  /** Pushed, not acked yet (by message id). */
  private readonly sent = new Map<string, string>(); // id → queue
  private readonly dirty = new Set<string>();
  /** Queues whose last read left messages unpushed (a page, the unacked bound): an ack reads them again. */
  private readonly behind = new Set<string>();
  private dirtyAll = false;
  private pumping: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private readonly timer: NodeJS.Timeout;
  lastHeard = Date.now();

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: SessionDeps,
    readonly source: string,
    private readonly onClosed: (c: SessionConnection) => void,
  ) {
    this.timer = setTimeout(
      () => this.state !== 'open' && this.refuse('handshake_timeout', CLOSE.timeout),
      HANDSHAKE_TIMEOUT_MS,
    );
    this.timer.unref();
    ws.on('message', (data, isBinary) => {
      this.lastHeard = Date.now();
      if (!isBinary) return this.refuse('malformed', CLOSE.malformed, 'text frames are not used');
      this.receive(toBytes(data));
    });
    ws.on('pong', () => (this.lastHeard = Date.now()));
    ws.on('ping', () => (this.lastHeard = Date.now()));
    ws.on('close', () => this.cleanup());
    ws.on('error', () => this.cleanup());
  }

  get subscriptions(): number {
    return this.subs.size;
  }
  get open(): boolean {
    return this.state === 'open';
  }

  /** Ends the session as the relay's decision, counted under `reason`. */
  refuse(reason: string, code: number, text = reason): void {
    if (this.state === 'closed') return;
    this.deps.metrics.sessionRefused(reason);
    this.deps.log({ level: 'warn', event: 'session_refused', reason, message: text, remote: this.source });
    this.close(code, text.slice(0, 120));
  }

  /** Ends the session (a sealed bye first when the session is open: not a cut). */
  close(code = 1000, reason = ''): void {
    if (this.state === 'closed') return;
    if (this.state === 'open' && code < 4000) this.send({ bye: true });
    this.cleanup();
    if (code === CLOSE.slow) return this.ws.terminate(); // it would not read a close frame either
    this.ws.close(code, reason);
    // A peer that does not answer the close within a few seconds is cut off.
    setTimeout(() => this.ws.terminate(), 5000).unref();
  }

  lose(lookup: string): void {
    const release = this.subs.get(lookup);
    if (!release) return;
    release();
    this.subs.delete(lookup);
    this.forgetSent(lookup);
    this.send({ taken: [Buffer.from(lookup, 'hex')] });
  }

  wake(lookups: string[] | null): void {
    if (this.state !== 'open') return;
    if (lookups === null) this.dirtyAll = true;
    else for (const l of lookups) if (this.subs.has(l)) this.dirty.add(l);
    void this.pump();
  }

  /** A queue no longer held here: its pushed, unacked messages no longer count against the bound. */
  private forgetSent(lookup: string): void {
    for (const [id, l] of this.sent) if (l === lookup) this.sent.delete(id);
    this.behind.delete(lookup);
    this.dirty.delete(lookup);
  }

  private cleanup(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.timer);
    this.abort.abort();
    for (const release of this.subs.values()) release();
    this.behind.clear();
    this.deps.registry.remove(this, this.subs.keys());
    this.subs.clear();
    this.sent.clear();
    this.onClosed(this);
  }

  private receive(data: Uint8Array): void {
    if (this.state === 'closed') return;
    if (this.state === 'handshake') return this.handshake(data);
    let plain: Uint8Array;
    try {
      plain = this.opener!.open(data);
    } catch (e) {
      const code = e instanceof FrameError ? e.code.toLowerCase() : 'malformed';
      return this.refuse(
        code === 'malformed' ? 'malformed' : `frame_${code}`,
        CLOSE.frame,
        (e as Error).message,
      );
    }
    let req: meow.SessionRequest;
    try {
      req = decodeStrict(meow.SessionRequest, 'SessionRequest', plain);
    } catch (e) {
      return this.refuse('malformed', CLOSE.malformed, (e as Error).message);
    }
    if (req.bye) return this.close(1000, 'bye');
    if (this.state === 'auth') {
      if (!req.auth || !verifyDeviceAuth(req.auth, this.keys!.transcript))
        return this.refuse('bad_auth', CLOSE.auth, 'the first frame must prove the device key');
      this.deviceKey = new Uint8Array(req.auth.deviceKey!);
      this.state = 'open';
      clearTimeout(this.timer);
      this.deps.registry.add(this);
      this.deps.metrics.counters.sessionsOpened++;
      if (req.id) this.send({ id: req.id, reply: {} });
      return;
    }
    void this.request(req);
  }

  private handshake(data: Uint8Array): void {
    try {
      const { message, keys } = serverRespond(this.deps.server, data);
      this.keys = keys;
      this.sealer = new FrameSealer(keys.serverToClient);
      this.opener = new FrameOpener(keys.clientToServer);
      this.state = 'auth';
      this.ws.send(message);
    } catch (e) {
      const wrong = e instanceof HandshakeError && e.code === 'WRONG_SERVER_KEY';
      this.refuse(wrong ? 'wrong_server_key' : 'malformed_handshake', CLOSE.handshake, (e as Error).message);
    }
  }

  private async request(req: meow.SessionRequest): Promise<void> {
    const started = performance.now();
    const type = req.subscribe
      ? 'subscribe'
      : req.unsubscribe
        ? 'unsubscribe'
        : req.flush
          ? 'flush'
          : req.ack
            ? 'ack'
            : 'request';
    let label: string = `session_${type}`;
    try {
      if (req.auth) throw new RelayFailure('MALFORMED', 'the device is proven once, in the first frame');
      let reply: meow.ISessionEvent;
      if (req.subscribe) reply = await this.subscribe(req.subscribe as meow.SessionSubscribe);
      else if (req.unsubscribe) reply = this.unsubscribe(req.unsubscribe as meow.SessionUnsubscribe);
      else if (req.flush) reply = await this.flush(req.flush as meow.SessionUnsubscribe);
      else if (req.ack) reply = await this.ack(req.ack as meow.AckRequest);
      else if (req.request) {
        const m = req.request as meow.ToServerMessage;
        const op = operationOf(m);
        label = `session_${op}`;
        if (op === 'pull' || op === 'ack')
          throw new RelayFailure('UNSUPPORTED', 'a session subscribes and acks; it does not pull');
        if (!(await this.deps.admit()))
          throw new RelayFailure('RATE_LIMITED', 'too many requests from this address', undefined, 1);
        const d = this.deps;
        reply = {
          reply: await runOperation(op, m, {
            store: d.store,
            limits: d.limits,
            serverKey: d.server.publicKey,
            request: sessionRequestContext(d.server.publicKey, this.deviceKey!, this.keys!.transcript),
            waiters: d.waiters,
            metrics: d.metrics,
            signal: this.abort.signal,
            admitted: ADMITTED, // frames are never replayed: the counter sees to it
          }),
        };
      } else throw new RelayFailure('MALFORMED', 'a session request carries one operation');
      this.deps.metrics.request(label, 'OK', (performance.now() - started) / 1000);
      if (req.id) this.send({ ...reply, id: req.id });
    } catch (e) {
      let f: RelayFailure;
      if (e instanceof RelayFailure) f = e;
      else if (e instanceof StoreUnavailableError) f = new RelayFailure('STORE_UNAVAILABLE', e.message);
      else if (e instanceof WireError) f = new RelayFailure('MALFORMED', e.message);
      else {
        this.deps.log({ level: 'error', event: 'internal_error', type: label, message: (e as Error).stack });
        f = new RelayFailure('INTERNAL', 'internal error');
      }
      this.deps.metrics.request(label, f.code, (performance.now() - started) / 1000);
      if (f.code === 'BAD_PROOF') this.deps.metrics.sessionRefused('bad_proof');
      if (f.code === 'TOO_MANY_KEYS') this.deps.metrics.sessionRefused('too_many_subscriptions');
      if (req.id) this.send({ id: req.id, reply: { error: f.toWire() } });
    }
  }

  private async subscribe(sub: meow.SessionSubscribe): Promise<meow.ISessionEvent> {
    const { limits } = this.deps;
    const keys = sub.keys as meow.KeyProof[];
    if (!keys.length) throw new RelayFailure('MALFORMED', 'a subscription names at least one lookup key');
    if (keys.length > limits.maxKeysPerPull)
      throw new RelayFailure('TOO_MANY_KEYS', `a subscription names at most ${limits.maxKeysPerPull} keys`);
    const lookups = keys.map((k, index) => {
      if (!verifySubscriptionProof(k, this.keys!.transcript))
        throw new RelayFailure('BAD_PROOF', 'missing or invalid subscription proof for a lookup key', index);
      return toHex(k.lookupKey);
    });
    const count = () => [...new Set(lookups)].filter((l) => !this.subs.has(l)).length;
    if (this.subs.size + count() > limits.maxSessionSubscriptions)
      throw new RelayFailure(
        'TOO_MANY_KEYS',
        `a session subscribes at most ${limits.maxSessionSubscriptions} queues (${this.subs.size} now)`,
      );
    if (!(await this.deps.admit()))
      throw new RelayFailure('RATE_LIMITED', 'too many requests from this address', undefined, 1);
    if (this.state !== 'open') return {};
    const fresh = [...new Set(lookups)].filter((l) => !this.subs.has(l));
    if (fresh.length) {
      // Routed before the first read: a post landing in between still wakes this session.
      const watch = this.deps.store.watch(fresh);
      let left = fresh.length;
      for (const l of fresh) {
        let held = true;
        this.subs.set(l, () => {
          if (held && !(held = false) && --left === 0) watch.release();
        });
        this.deps.registry.claim(this, l);
      }
    }
    for (const l of lookups) this.dirty.add(l); // a re-subscription re-sends what waits (after a reconnect)
    await this.pump(); // what waits goes out before the reply: a pull that follows finds it
    return { subscribed: this.subs.size };
  }

  private unsubscribe(u: meow.SessionUnsubscribe): meow.ISessionEvent {
    for (const key of u.lookupKeys) {
      const l = toHex(key);
      const release = this.subs.get(l);
      if (!release) continue;
      release();
      this.subs.delete(l);
      this.forgetSent(l);
      this.deps.registry.release(this, l);
    }
    return { subscribed: this.subs.size };
  }

  /**
   * A client that must know what waits now (a one-shot sync) asks for a read of queues it
   * holds: whatever was not pushed yet goes out before this reply.
   */
  private async flush(f: meow.SessionUnsubscribe): Promise<meow.ISessionEvent> {
    if (f.lookupKeys.length > this.deps.limits.maxSessionSubscriptions)
      throw new RelayFailure('TOO_MANY_KEYS', 'a flush names at most as many queues as a session holds');
    if (!(await this.deps.admit()))
      throw new RelayFailure('RATE_LIMITED', 'too many requests from this address', undefined, 1);
    if (!f.lookupKeys.length) this.dirtyAll = true;
    for (const key of f.lookupKeys) {
      const l = toHex(key);
      if (this.subs.has(l)) this.dirty.add(l);
    }
    await this.pump();
    return { subscribed: this.subs.size };
  }

  private async ack(ack: meow.AckRequest): Promise<meow.ISessionEvent> {
    const items = ack.items as meow.AckItem[];
    let total = 0;
    const checked = items.map((it, index) => {
      const key = it.key?.lookupKey;
      const lookup = key?.length === 32 ? toHex(key) : '';
      if (!this.subs.has(lookup))
        throw new RelayFailure('NOT_AUTHORIZED', 'a session acks only queues it subscribed', index);
      if (!it.ids.every((id) => MESSAGE_ID.test(id)))
        throw new RelayFailure('MALFORMED', 'not a message id', index);
      total += it.ids.length;
      return { lookup, ids: it.ids };
    });
    if (total > this.deps.limits.maxPullMessages)
      throw new RelayFailure(
        'TOO_MANY_MESSAGES',
        `an ack names at most ${this.deps.limits.maxPullMessages} ids`,
      );
    const acked = await this.deps.store.ack(checked);
    this.deps.metrics.counters.acked += acked;
    let more = false;
    for (const it of checked) {
      for (const id of it.ids) this.sent.delete(id);
      // Room for the next page, when the last read of that queue left messages behind.
      if (this.behind.has(it.lookup)) {
        this.dirty.add(it.lookup);
        more = true;
      }
    }
    // Also when pushes stopped at the unacked bound: the queues they skipped are still dirty.
    if (more || this.dirty.size || this.dirtyAll) await this.pump();
    return { reply: { acked } };
  }

  /** Reads the queues that may have news and pushes what this session was not sent yet. */
  private pump(): Promise<void> {
    if (this.state !== 'open') return Promise.resolve();
    // A pump in progress re-checks the dirty set before it ends: it covers this call too.
    this.pumping ??= this.pumpLoop().finally(() => (this.pumping = null));
    return this.pumping;
  }

  private async pumpLoop(): Promise<void> {
    const { store, limits, metrics } = this.deps;
    try {
      while (this.state === 'open' && (this.dirtyAll || this.dirty.size) && this.sent.size < MAX_UNACKED) {
        const lookups = this.dirtyAll
          ? [...this.subs.keys()]
          : [...this.dirty].filter((l) => this.subs.has(l));
        this.dirty.clear();
        this.dirtyAll = false;
        for (let i = 0; i < lookups.length && this.state === 'open'; i += limits.maxKeysPerPull) {
          const chunk = lookups.slice(i, i + limits.maxKeysPerPull);
          const room = Math.min(limits.maxPullMessages, MAX_UNACKED - this.sent.size);
          if (room <= 0) break;
          const got = await store.fetch(chunk, room + this.sent.size, Date.now(), limits.retentionMs);
          const push: meow.IDeliveredMessage[] = [];
          let bytes = 0;
          let pushed = 0;
          let full = got.more;
          for (const q of got.messages) {
            if (this.sent.has(q.id) || !this.subs.has(q.lookup)) continue;
            if (push.length >= room) {
              full = true;
              break;
            }
            pushed++;
            this.sent.set(q.id, q.lookup);
            push.push({ id: q.id, arrivedAt: q.arrivedAt, message: meow.PackedUserMessage.decode(q.bytes) });
            bytes += q.bytes.length;
            if (bytes > limits.maxBodyBytes / 2) {
              this.send({ push: push.splice(0) });
              bytes = 0;
            }
          }
          if (push.length) this.send({ push });
          for (const l of chunk) {
            if (full) this.behind.add(l);
            else this.behind.delete(l);
          }
          metrics.counters.pushed += pushed;
          metrics.counters.delivered += pushed;
        }
      }
    } catch (e) {
      // The store is away: pushes resume on the next wake-up (or the client's re-subscription).
      this.deps.log({ level: 'warn', event: 'push_failed', message: (e as Error).message });
    }
  }

  private send(event: meow.ISessionEvent): void {
    if (this.state !== 'open' && !event.bye) return;
    if (!this.sealer) return;
    this.ws.send(this.sealer.seal(encode(meow.SessionEvent, event)));
    if (this.ws.bufferedAmount > this.deps.limits.maxSessionBufferBytes)
      this.refuse('slow_client', CLOSE.slow, 'the client does not read what it is sent');
  }
}

function toBytes(data: Buffer | Buffer[] | ArrayBuffer): Uint8Array {
  if (Array.isArray(data)) data = Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
