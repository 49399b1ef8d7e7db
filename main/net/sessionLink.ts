/**
 * One relay session from the client: a WebSocket to /v1/session, the Noise NK handshake
 * to the pinned server key, the device proven in the first frame, then sealed requests
 * (answered by id) and pushed events.
 *
 * Keeping alive, at no cost to the relay's CPU: TCP keepalive (KEEPALIVE_MS) keeps NAT
 * entries fresh and finds a dead peer in the kernels of both sides — no wake-up of the
 * relay process. An application ping every PING_INTERVAL_MS (jittered) finds a relay that
 * is up but stuck; a pong that does not come within PONG_TIMEOUT_MS ends the link (the
 * owner reconnects, with jittered backoff). Laptop sleep: a cheap local timer notices the
 * wall clock jumping (Node's timers do not count a suspend) and pings at once, so a link
 * that died during the sleep is found within PONG_TIMEOUT_MS of waking.
 *
 * The socket is unref'd while nothing waits on it, so an open session never keeps a
 * command-line process alive.
 */
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { deviceAuth } from '../../protocol/session/auth.js';
import { FrameOpener, FrameSealer } from '../../protocol/session/frames.js';
import { clientFinish, clientStart, type SessionKeys } from '../../protocol/session/noise.js';
import type { KeyPair } from '../../protocol/crypto/curves.js';
import { decodeStrict, encode, meow } from '../../protocol/wire/proto.js';
import { RelayError } from './relayClient.js';

export const PING_INTERVAL_MS = 15 * 60_000;
export const PONG_TIMEOUT_MS = 20_000;
/** TCP keepalive idle time: under the ~60 s UDP/TCP idle timeouts of strict NATs and mobile carriers. */
export const KEEPALIVE_MS = 45_000;
const WAKE_CHECK_MS = 30_000;
const OPEN_TIMEOUT_MS = 15_000;
const REPLY_TIMEOUT_MS = 15_000;

export interface LinkEvents {
  push(messages: meow.DeliveredMessage[]): void;
  taken(lookups: Uint8Array[]): void;
  closed(error: RelayError): void;
}

export interface LinkOptions {
  ca?: string | Buffer;
  signal?: AbortSignal;
  pingIntervalMs?: number;
}

export function sessionUrl(url: string): string {
  return url.replace(/^http/, 'ws').replace(/\/+$/, '') + '/v1/session';
}

export class SessionLink {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve(e: meow.SessionEvent): void; reject(e: Error): void }
  >();
  private sealer!: FrameSealer;
  private opener!: FrameOpener;
  private socket: Socket | null = null;
  private busy = 0;
  private pingTimer: NodeJS.Timeout | null = null;
  private pongTimer: NodeJS.Timeout | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private ended: RelayError | null = null;
  keys!: SessionKeys;

  private constructor(
    private readonly ws: WebSocket,
    private readonly events: LinkEvents,
    private readonly pingIntervalMs: number,
  ) {}

  /** Opens a session; RelayError UNSUPPORTED when the WebSocket cannot be opened (a proxy, an old relay). */
  static open(
    url: string,
    serverKey: Uint8Array,
    device: KeyPair,
    events: LinkEvents,
    opts: LinkOptions = {},
  ): Promise<SessionLink> {
    const ws = new WebSocket(sessionUrl(url), {
      perMessageDeflate: false,
      handshakeTimeout: OPEN_TIMEOUT_MS,
      maxPayload: 64 * 1024 * 1024,
      ...(opts.ca ? { ca: opts.ca } : {}),
    });
    ws.binaryType = 'nodebuffer';
    const link = new SessionLink(ws, events, opts.pingIntervalMs ?? PING_INTERVAL_MS);
    return new Promise<SessionLink>((resolve, reject) => {
      let settled = false;
      const fail = (e: RelayError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        ws.removeAllListeners('message');
        ws.on('error', () => undefined);
        ws.terminate();
        reject(e);
      };
      const onAbort = () => fail(new RelayError('ABORTED', 'session opening aborted'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(
        () => fail(new RelayError('UNREACHABLE', 'session handshake timed out')),
        OPEN_TIMEOUT_MS,
      );
      const hs = clientStart(serverKey);
      let stage: 'handshake' | 'auth' = 'handshake';
      ws.on('upgrade', (res) => {
        link.socket = res.socket;
        link.socket.setKeepAlive(true, KEEPALIVE_MS);
      });
      ws.on('unexpected-response', (_req, res) =>
        fail(
          new RelayError(
            res.statusCode === 429
              ? 'RATE_LIMITED'
              : res.statusCode === 503
                ? 'SHUTTING_DOWN'
                : 'UNSUPPORTED',
            `the relay did not open a session (HTTP ${res.statusCode})`,
            res.statusCode,
          ),
        ),
      );
      ws.on('error', (e) => fail(new RelayError('UNREACHABLE', e.message, undefined, { cause: e })));
      ws.on('close', (code, reason) =>
        fail(
          code === 4001
            ? new RelayError('NOT_FOR_THIS_SERVER', `the relay refused the handshake: ${reason.toString()}`)
            : new RelayError('UNREACHABLE', `session closed while opening (${code} ${reason.toString()})`),
        ),
      );
      ws.on('open', () => ws.send(hs.message));
      ws.on('message', (data: Buffer) => {
        if (settled) return;
        try {
          if (stage === 'handshake') {
            link.keys = clientFinish(hs, new Uint8Array(data));
            link.sealer = new FrameSealer(link.keys.clientToServer);
            link.opener = new FrameOpener(link.keys.serverToClient);
            stage = 'auth';
            ws.send(
              link.sealer.seal(
                encode(meow.SessionRequest, { id: 1, auth: deviceAuth(device, link.keys.transcript) }),
              ),
            );
            link.nextId = 2;
            return;
          }
          const ev = link.openEvent(data);
          if (ev.id !== 1 || (ev.reply?.error && ev.reply.error.code !== meow.ErrorCode.OK))
            throw new Error('the relay did not accept the device');
          settled = true;
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          link.attach();
          resolve(link);
        } catch (e) {
          fail(
            new RelayError('BAD_REPLY', `session handshake: ${(e as Error).message}`, undefined, {
              cause: e,
            }),
          );
        }
      });
    });
  }

  get transcript(): Uint8Array {
    return this.keys.transcript;
  }
  get closed(): boolean {
    return this.ended !== null;
  }
  /** Why the link ended (null while open). */
  get endedBy(): RelayError | null {
    return this.ended;
  }

  private openEvent(data: Buffer): meow.SessionEvent {
    return decodeStrict(meow.SessionEvent, 'SessionEvent', this.opener.open(new Uint8Array(data)));
  }

  private attach(): void {
    this.ws.removeAllListeners('message');
    this.ws.removeAllListeners('close');
    this.ws.removeAllListeners('error');
    this.ws.on('error', () => undefined);
    this.ws.on('close', (code, reason) =>
      this.end(
        new RelayError(
          'UNREACHABLE',
          `session closed (${code}${reason.length ? ' ' + reason.toString() : ''})`,
        ),
      ),
    );
    this.ws.on('pong', () => {
      if (this.pongTimer) clearTimeout(this.pongTimer);
      this.pongTimer = null;
    });
    this.ws.on('message', (data: Buffer) => {
      let ev: meow.SessionEvent;
      try {
        ev = this.openEvent(data);
      } catch (e) {
        this.ws.terminate();
        return this.end(new RelayError('BAD_REPLY', `session frame refused: ${(e as Error).message}`));
      }
      if (ev.bye) {
        this.ws.close();
        return this.end(new RelayError('SHUTTING_DOWN', 'the relay ended the session'));
      }
      if (ev.taken.length) this.events.taken(ev.taken);
      if (ev.push.length) this.events.push(ev.push as meow.DeliveredMessage[]);
      if (ev.id) {
        const p = this.pending.get(ev.id);
        this.pending.delete(ev.id);
        p?.resolve(ev);
      }
    });
    this.schedulePing();
    let last = Date.now();
    this.wakeTimer = setInterval(() => {
      const now = Date.now();
      if (now - last > 2 * WAKE_CHECK_MS) this.ping(); // the machine slept
      last = now;
    }, WAKE_CHECK_MS);
    this.wakeTimer.unref();
    if (this.busy === 0) this.socket?.unref(); // nothing waits yet
  }

  /** Sends a request and waits for its reply; a refusal is a RelayError with the relay's code. */
  async request(req: meow.ISessionRequest, signal?: AbortSignal): Promise<meow.SessionEvent> {
    if (this.ended) throw this.ended;
    const id = this.nextId++;
    this.hold();
    const ev = await this.exchange(id, req, signal).finally(() => this.release());
    const err = ev.reply?.error;
    if (err && err.code !== meow.ErrorCode.OK) {
      const code = meow.ErrorCode[err.code ?? 0] ?? 'INTERNAL';
      throw new RelayError(code, err.message || code, undefined, {
        index: err.index ?? undefined,
        authenticated: true,
        ...(code === 'RATE_LIMITED' ? { retryAfterMs: 1000 } : {}),
      });
    }
    return ev;
  }

  private exchange(id: number, req: meow.ISessionRequest, signal?: AbortSignal): Promise<meow.SessionEvent> {
    return new Promise<meow.SessionEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        // A reply that never comes: the link is no longer trustworthy.
        this.ws.terminate();
        this.end(new RelayError('UNREACHABLE', 'the relay did not answer in time'));
      }, REPLY_TIMEOUT_MS);
      const onAbort = () => {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(new RelayError('ABORTED', 'request aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (e) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(e);
        },
        reject: (e) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      this.ws.send(this.sealer.seal(encode(meow.SessionRequest, { ...req, id })));
    });
  }

  /** Keeps the process alive while someone waits on the link (a pull, a request). */
  hold(): void {
    if (this.busy++ === 0) this.socket?.ref();
  }
  release(): void {
    if (this.busy > 0) this.busy--;
    if (this.busy === 0) this.socket?.unref();
  }

  /** Ends the session: a sealed bye, then the close (the relay takes it as an end, not a cut). */
  close(): void {
    if (this.ended) return;
    try {
      this.ws.send(this.sealer.seal(encode(meow.SessionRequest, { bye: true })));
    } catch {
      // already going
    }
    this.ws.close(1000);
    this.end(new RelayError('ABORTED', 'session closed'));
  }

  private end(error: RelayError): void {
    if (this.ended) return;
    this.ended = error;
    if (this.pingTimer) clearTimeout(this.pingTimer);
    if (this.pongTimer) clearTimeout(this.pongTimer);
    if (this.wakeTimer) clearInterval(this.wakeTimer);
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.events.closed(error);
  }

  private schedulePing(): void {
    // Jittered, so the sessions of one relay do not ping in step. (Node's timers run on the
    // monotonic clock: after a sleep the next ping still comes within one interval.)
    const every = this.pingIntervalMs * (0.9 + Math.random() * 0.2);
    this.pingTimer = setTimeout(() => {
      this.ping();
      this.schedulePing();
    }, every);
    this.pingTimer.unref();
  }

  /** Pings; a pong that does not come in time ends the link. */
  ping(): void {
    if (this.ended || this.pongTimer) return;
    this.pongTimer = setTimeout(() => {
      this.ws.terminate();
      this.end(new RelayError('UNREACHABLE', 'the relay stopped answering pings'));
    }, PONG_TIMEOUT_MS);
    this.pongTimer.unref();
    this.ws.ping();
  }
}
