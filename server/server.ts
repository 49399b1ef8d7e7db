/**
 * The relay's HTTP face (node:http, or node:https with a certificate):
 *   POST /v1/request   SignedRequest → ServerReply (application/octet-stream)
 *   GET  /v1/card      the signed ServerCard (protobuf; ?format=json for people)
 *   GET  /healthz      200 when the store answers, 503 otherwise
 *   GET  /metrics      Prometheus text format
 *   GET  /v1/session   upgraded to a WebSocket: a relay session (server/session/, docs/relay-protocol.md)
 *   /v1/blob…          encrypted attachments (blobs/blobHttp.ts, protocol/wire/blobAuth.ts)
 * A request that cannot be opened gets a plain ServerReply{error}; one that was
 * opened gets its reply sealed to the key it carried, errors included. The HTTP
 * status always matches the error code (see HTTP_STATUS).
 *
 * Admission, in order: one token from the source address's bucket (before any
 * crypto work), then the request is opened, then its nonce is recorded store-wide
 * (a nonce seen before, from whoever, is a replay).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import { isIPv6, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { bytesEqual, toBase64, toHex } from '../protocol/crypto/bytes.js';
import { encode, meow } from '../protocol/wire/proto.js';
import {
  CLOCK_WINDOW_MS,
  openRequest,
  ProtocolError,
  ReplySealer,
  type OpenedRequest,
} from '../protocol/wire/serverProtocol.js';
import type { Limits } from './config.js';
import { RelayFailure, StoreUnavailableError, type ErrorCodeName } from './errors.js';
import { makeServerCard, type ServerIdentity } from './identity.js';
import { handleBlob } from './blobs/blobHttp.js';
import type { BlobStore } from './blobs/blobStore.js';
import { Metrics } from './metrics.js';
import { operationOf, runOperation, type Operation } from './operations.js';
import type { RelayStore } from './store/types.js';
import { WaiterRegistry } from './waiters.js';
import { SessionEndpoint } from './session/endpoint.js';

export type LogEntry = Record<string, unknown>;
export const stderrLog = (entry: LogEntry): void => {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), ...entry }) + '\n');
};

export interface RelayServerOptions {
  identity: ServerIdentity;
  store: RelayStore;
  limits: Limits;
  host?: string;
  port?: number;
  name?: string;
  description?: string;
  /** URL written into the card; default http://HOST:PORT. */
  publicUrl?: string;
  /** Structured log lines (one per request error); default: JSON on stderr. */
  log?: (entry: LogEntry) => void;
  /** Close the store when the server closes (default true). */
  ownsStore?: boolean;
  /** Serve HTTPS with this certificate (PEM) instead of plain HTTP. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Proxy addresses whose X-Forwarded-For header names the client (per-address limits). */
  trustProxy?: string[];
  /** Where attachment blobs live; none: the blob endpoints answer that this relay keeps no files. */
  blobs?: BlobStore;
}

/** Nonces are remembered a little longer than a timestamp can be accepted. */
const NONCE_TTL_MS = 2 * CLOCK_WINDOW_MS + 10_000;
const STATS_CACHE_MS = 5000;

export class RelayServer {
  readonly metrics = new Metrics();
  readonly waiters = new WaiterRegistry();
  readonly sessions: SessionEndpoint;
  /** Seals replies (one ephemeral key per short period: see ReplySealer). */
  private readonly replies = new ReplySealer();
  card!: meow.ServerCard;
  url = '';
  private readonly http: Server | TlsServer;
  private readonly log: (entry: LogEntry) => void;
  private inFlight = 0;
  private closing: Promise<void> | null = null;
  private pruneTimer: NodeJS.Timeout | undefined;
  private stats: { at: number; queues?: number; messages?: number; up: boolean } = { at: 0, up: true };

  private constructor(private readonly opts: RelayServerOptions) {
    this.log = opts.log ?? stderrLog;
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.http = opts.tls
      ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler)
      : createServer(handler);
    // Held pulls last up to maxPollMs; leave room above it before Node gives up on a request.
    this.http.requestTimeout = opts.limits.maxPollMs + 60_000;
    this.http.headersTimeout = 30_000;
    this.http.keepAliveTimeout = 65_000;
    this.sessions = new SessionEndpoint({
      store: opts.store,
      limits: opts.limits,
      server: opts.identity.box,
      metrics: this.metrics,
      waiters: this.waiters,
      log: this.log,
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.sessions.upgrade(req, socket, head, this.sourceOf(req)).catch((e: unknown) => {
        this.log({ level: 'error', event: 'upgrade_crash', message: (e as Error).stack });
        socket.destroy();
      });
    });
    opts.store.onWake((lookups) => {
      this.waiters.wake(lookups);
      this.sessions.wake(lookups);
    });
  }

  get limits(): Limits {
    return this.opts.limits;
  }
  get store(): RelayStore {
    return this.opts.store;
  }

  static async start(opts: RelayServerOptions): Promise<RelayServer> {
    const s = new RelayServer(opts);
    await new Promise<void>((resolve, reject) => {
      s.http.once('error', reject);
      s.http.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        s.http.off('error', reject);
        resolve();
      });
    });
    const addr = s.http.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    s.url = `${opts.tls ? 'https' : 'http'}://${host}:${addr.port}`;
    s.card = makeServerCard(
      opts.identity,
      opts.publicUrl ?? s.url,
      opts.name ?? 'meow-server',
      opts.description ?? '',
      opts.blobs ? opts.limits.maxBlobBytes : 0,
    );
    const every = Math.max(50, Math.min(60_000, Math.floor(opts.limits.retentionMs / 2)));
    s.pruneTimer = setInterval(() => void s.prune(), every);
    s.pruneTimer.unref();
    return s;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** Loads a renewed certificate (HTTPS only): new connections use it, open ones keep theirs. */
  setCertificate(tls: { cert: string | Buffer; key: string | Buffer }): void {
    if (!this.opts.tls) throw new Error('this server does not serve HTTPS');
    (this.http as TlsServer).setSecureContext({ cert: tls.cert, key: tls.key });
  }

  /**
   * Who sent a request, for the per-address limit: the socket's address, or the last
   * hop of X-Forwarded-For when the socket is a trusted proxy. IPv6 addresses count
   * per /64 (one host usually holds a whole /64).
   */
  sourceOf(req: IncomingMessage): string {
    let addr = normalizeAddress(req.socket.remoteAddress ?? '');
    const trusted = this.opts.trustProxy ?? [];
    if (trusted.length && trusted.map(normalizeAddress).includes(addr)) {
      const header = req.headers['x-forwarded-for'];
      const last = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').at(-1)?.trim();
      if (last) addr = normalizeAddress(last);
    }
    if (isIPv6(addr)) return expandIPv6(addr).slice(0, 4).join(':') + '::/64';
    return addr;
  }

  private async prune(): Promise<void> {
    try {
      this.metrics.counters.pruned += await this.opts.store.prune(Date.now(), this.opts.limits.retentionMs);
      await this.opts.blobs?.prune(Date.now(), this.opts.limits.retentionMs);
    } catch (e) {
      this.log({ level: 'warn', event: 'prune_failed', message: (e as Error).message });
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://relay');
    try {
      if (url.pathname === '/v1/request') {
        if (req.method !== 'POST') return text(res, 405, 'POST a SignedRequest here\n', { allow: 'POST' });
        return await this.request(req, res);
      }
      if (url.pathname.startsWith('/v1/blob')) {
        const ctx = {
          blobs: this.closing ? undefined : this.opts.blobs,
          store: this.opts.store,
          limits: this.opts.limits,
          serverKey: this.opts.identity.box.publicKey,
          source: this.sourceOf(req),
        };
        if (await handleBlob(req, res, url.pathname, ctx)) return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return text(res, 405, 'method not allowed\n', { allow: 'GET' });
      switch (url.pathname) {
        case '/v1/card':
          return this.sendCard(res, url.searchParams.get('format') === 'json');
        case '/healthz':
          return await this.health(res);
        case '/metrics':
          return await this.sendMetrics(res);
        default:
          return text(res, 404, 'not found\n');
      }
    } catch (e) {
      this.log({ level: 'error', event: 'handler_crash', path: url.pathname, message: (e as Error).stack });
      if (!res.headersSent) text(res, 500, 'internal error\n');
      else res.destroy();
    }
  }

  private sendCard(res: ServerResponse, json: boolean): void {
    if (!json) return send(res, 200, encode(meow.ServerCard, this.card));
    const c = this.card;
    const body = {
      url: c.url,
      name: c.name,
      description: c.description,
      publicKey: toBase64(c.publicKey),
      signingKey: toBase64(c.signingKey),
      cardSignature: toBase64(c.cardSignature),
      publicKeyHex: toHex(c.publicKey),
      signingKeyHex: toHex(c.signingKey),
    };
    text(res, 200, JSON.stringify(body, null, 2) + '\n', { 'content-type': 'application/json' });
  }

  private async health(res: ServerResponse): Promise<void> {
    const store = this.opts.store.kind;
    if (this.closing) return text(res, 503, JSON.stringify({ status: 'shutting_down', store }) + '\n');
    try {
      await this.opts.store.ping();
      text(res, 200, JSON.stringify({ status: 'ok', store }) + '\n', { 'content-type': 'application/json' });
    } catch (e) {
      text(
        res,
        503,
        JSON.stringify({ status: 'store_unavailable', store, message: (e as Error).message }) + '\n',
        {
          'content-type': 'application/json',
        },
      );
    }
  }

  private async sendMetrics(res: ServerResponse): Promise<void> {
    const now = Date.now();
    if (now - this.stats.at > STATS_CACHE_MS) {
      try {
        const s = await this.opts.store.stats();
        this.stats = { at: now, queues: s.queues, messages: s.messages, up: true };
      } catch {
        this.stats = { at: now, up: false };
      }
    }
    const wakes = this.opts.store.wakeStats();
    const body = this.metrics.render({
      heldPolls: this.waiters.size,
      sessions: this.sessions.sessions,
      subscriptions: this.sessions.subscriptions,
      wakeupsReceived: wakes.received,
      watchedQueues: wakes.watched,
      storeUp: this.stats.up,
      ...(this.stats.queues !== undefined
        ? { queues: this.stats.queues, messages: this.stats.messages }
        : {}),
    });
    text(res, 200, body, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  }

  private async request(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let type: Operation | 'invalid' = 'invalid';
    let opened: OpenedRequest | null = null;
    this.inFlight++;
    const aborted = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    const finish = (
      status: number,
      body: Uint8Array,
      result: ErrorCodeName | 'OK',
      extra?: Record<string, string>,
    ) => {
      send(res, status, body, { ...extra, ...(this.closing ? { connection: 'close' } : {}) });
      this.metrics.request(type, result, (performance.now() - started) / 1000);
    };
    const fail = (f: RelayFailure) => {
      const extra: Record<string, string> = {};
      if (f.retryAfterSec) extra['retry-after'] = String(f.retryAfterSec);
      if (f.code === 'BODY_TOO_LARGE') extra.connection = 'close';
      const body = opened
        ? this.replies.seal(opened.message.replyKey, opened.message.nonce, { error: f.toWire() })
        : encode(meow.ServerReply, { error: f.toWire() });
      finish(f.status, body, f.code, extra);
      this.log({
        level: 'warn',
        event: 'request_error',
        type,
        code: f.code,
        status: f.status,
        message: f.message,
        ...(f.index !== undefined ? { index: f.index } : {}),
        ...(opened ? { device: toHex(opened.deviceKey).slice(0, 16) } : {}),
        remote: req.socket.remoteAddress,
        ms: Math.round(performance.now() - started),
      });
    };
    try {
      if (this.closing) throw new RelayFailure('SHUTTING_DOWN', 'the server is shutting down');
      const limits = this.opts.limits;
      const body = await readBody(req, limits.maxBodyBytes);
      if (body === 'too-large')
        throw new RelayFailure('BODY_TOO_LARGE', `request body is larger than ${limits.maxBodyBytes} bytes`);
      if (limits.ratePerSec > 0) {
        const rate = { perSec: limits.ratePerSec, burst: limits.rateBurst };
        if (!(await this.opts.store.takeTokens(`a:${this.sourceOf(req)}`, 1, Date.now(), rate)))
          throw new RelayFailure(
            'RATE_LIMITED',
            `more than ${limits.ratePerSec} requests per second from this address`,
            undefined,
            Math.max(1, Math.ceil(1 / limits.ratePerSec)),
          );
      }
      try {
        opened = openRequest(this.opts.identity.box, body);
      } catch (e) {
        if (e instanceof ProtocolError) throw new RelayFailure(e.code, e.message);
        throw new RelayFailure('MALFORMED', (e as Error).message);
      }
      const m = opened.message;
      if (m.serverKey.length && !bytesEqual(m.serverKey, this.opts.identity.box.publicKey))
        throw new RelayFailure('NOT_FOR_THIS_SERVER', 'request names another server key');
      const op = operationOf(m);
      type = op;
      // The nonce is recorded while the operation reads what it needs (one round trip to
      // the store instead of two); the operation writes and answers only once it is in.
      const admitted = this.opts.store.useNonce(toHex(m.nonce), Date.now(), NONCE_TTL_MS).then((fresh) => {
        if (!fresh) throw new RelayFailure('REPLAYED', 'this request was already received');
      });
      admitted.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled
      const reply = await runOperation(op, m, {
        admitted,
        store: this.opts.store,
        limits,
        serverKey: this.opts.identity.box.publicKey,
        request: opened.context,
        waiters: this.waiters,
        metrics: this.metrics,
        signal: aborted.signal,
      });
      if (aborted.signal.aborted)
        return this.metrics.request(type, 'CLIENT_GONE', (performance.now() - started) / 1000);
      finish(200, this.replies.seal(m.replyKey, m.nonce, reply), 'OK');
    } catch (e) {
      if (e instanceof ClientGone)
        this.metrics.request(type, 'CLIENT_GONE', (performance.now() - started) / 1000);
      else if (e instanceof RelayFailure) fail(e);
      else if (e instanceof StoreUnavailableError) fail(new RelayFailure('STORE_UNAVAILABLE', e.message));
      else {
        this.log({ level: 'error', event: 'internal_error', type, message: (e as Error).stack });
        fail(new RelayFailure('INTERNAL', 'internal error'));
      }
    } finally {
      this.inFlight--;
    }
  }

  /**
   * Graceful stop: refuse new connections and requests (SHUTTING_DOWN), answer held
   * pulls with an empty result, let in-flight requests finish, close the store.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.pruneTimer);
      const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
      this.waiters.shutdown();
      this.sessions.close();
      const until = Date.now() + 10_000;
      while (this.inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      this.http.closeIdleConnections();
      const force = setTimeout(() => this.http.closeAllConnections(), 2000);
      await closed;
      clearTimeout(force);
      this.replies.close();
      if (this.opts.ownsStore !== false) {
        await this.opts.store.close();
        await this.opts.blobs?.close?.();
      }
    })();
    return this.closing;
  }
}

function normalizeAddress(a: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return (v4 ? v4[1]! : a).toLowerCase();
}

/** The eight groups of an IPv6 address (`::` expanded). */
function expandIPv6(a: string): string[] {
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => g.replace(/^0+(?=.)/, ''));
}

function send(
  res: ServerResponse,
  status: number,
  body: Uint8Array,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'application/octet-stream',
    'content-length': String(body.length),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

function text(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(body);
  send(res, status, bytes, { 'content-type': 'text/plain; charset=utf-8', ...headers });
}

/**
 * Reads a request body up to `limit` bytes. A larger one is drained (so the client
 * reads our answer instead of a reset) up to a hard bound, past which the
 * connection is dropped.
 */
class ClientGone extends Error {
  override readonly name = 'ClientGone';
}

function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | 'too-large'> {
  const hardLimit = limit * 4 + 1024 * 1024;
  const declared = Number(req.headers['content-length'] ?? NaN);
  return new Promise((resolve, reject) => {
    if (declared > hardLimit) {
      req.socket.on('error', () => undefined);
      resolve('too-large');
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > hardLimit) {
        req.destroy();
        return;
      }
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > limit) resolve('too-large');
      else {
        const all = Buffer.concat(chunks);
        resolve(new Uint8Array(all.buffer, all.byteOffset, all.byteLength));
      }
    });
    // (after 'end' these fire too; only a body cut short is the client gone)
    req.on('error', () => !req.complete && reject(new ClientGone()));
    req.on('close', () => !req.complete && reject(new ClientGone()));
  });
}
