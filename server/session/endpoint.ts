/**
 * GET /v1/session, upgraded to a WebSocket: the relay's side of relay sessions
 * (docs/relay-protocol.md). Admission before any crypto work: the per-address bound on
 * open sessions and one token from the address's rate bucket; a refusal is a plain HTTP
 * answer (429/503) and is counted. Idle sessions cost the relay nothing: TCP keepalive
 * (in the kernel) keeps NATs open and finds dead peers; the client's own ping comes every
 * ~15 minutes, and a session silent for longer than IDLE_LIMIT_MS is dropped.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Limits } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { RelayStore } from '../store/types.js';
import type { WaiterRegistry } from '../waiters.js';
import { CLOSE, SessionConnection } from './connection.js';
import { SubscriptionRegistry } from './registry.js';

export const SESSION_PATH = '/v1/session';
/** Silence after which a session is taken for dead (the client pings every ~15 min). */
export const IDLE_LIMIT_MS = 35 * 60_000;
/** TCP keepalive idle time on session sockets (the kernel answers; the process is not woken). */
export const KEEPALIVE_MS = 45_000;

export interface SessionEndpointOptions {
  store: RelayStore;
  limits: Limits;
  server: { publicKey: Uint8Array; privateKey: Uint8Array };
  metrics: Metrics;
  waiters: WaiterRegistry;
  log: (entry: Record<string, unknown>) => void;
}

export class SessionEndpoint {
  readonly registry = new SubscriptionRegistry();
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<SessionConnection>();
  private readonly perAddress = new Map<string, number>();
  private readonly sweep: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly opts: SessionEndpointOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.limits.maxBodyBytes,
      perMessageDeflate: false, // sealed frames do not compress
      clientTracking: false,
    });
    this.sweep = setInterval(() => this.dropSilent(), 60_000);
    this.sweep.unref();
  }

  get sessions(): number {
    return this.registry.sessionCount;
  }
  get subscriptions(): number {
    return this.registry.size;
  }

  /** Wake-ups from the store: the sessions holding those queues read them. */
  wake(lookups: string[] | null): void {
    this.registry.wake(lookups);
  }

  /** Handles an HTTP upgrade for `source` (the client address, as the rate limits count it). */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, source: string): Promise<void> {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://relay');
    if (url.pathname !== SESSION_PATH) return reject(socket, 404, 'Not Found');
    if (this.closing) return reject(socket, 503, 'Service Unavailable');
    const { limits, metrics, store } = this.opts;
    const open = this.perAddress.get(source) ?? 0;
    if (open >= limits.maxSessionsPerAddress) {
      metrics.sessionRefused('too_many_sessions');
      return reject(socket, 429, 'Too Many Requests');
    }
    this.perAddress.set(source, open + 1);
    let counted = true;
    const uncount = () => {
      if (!counted) return;
      counted = false;
      const n = (this.perAddress.get(source) ?? 1) - 1;
      if (n > 0) this.perAddress.set(source, n);
      else this.perAddress.delete(source);
    };
    const admit = async () => {
      if (limits.ratePerSec <= 0) return true;
      return store.takeTokens(`a:${source}`, 1, Date.now(), {
        perSec: limits.ratePerSec,
        burst: limits.rateBurst,
      });
    };
    try {
      if (!(await admit())) {
        uncount();
        metrics.sessionRefused('rate_limited');
        return reject(socket, 429, 'Too Many Requests');
      }
    } catch {
      uncount();
      return reject(socket, 503, 'Service Unavailable');
    }
    (socket as Socket).setKeepAlive?.(true, KEEPALIVE_MS);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new SessionConnection(
        ws,
        { ...this.opts, registry: this.registry, admit },
        source,
        (c) => {
          this.connections.delete(c);
          uncount();
        },
      );
      this.connections.add(conn);
      if (this.closing) conn.close(CLOSE.shutdown, 'shutting down');
    });
  }

  private dropSilent(): void {
    const before = Date.now() - IDLE_LIMIT_MS;
    for (const c of this.connections) if (c.lastHeard < before) c.refuse('silent', CLOSE.timeout);
  }

  /** Says bye to every session (clients reconnect elsewhere or later). */
  close(): void {
    this.closing = true;
    clearInterval(this.sweep);
    for (const c of [...this.connections]) c.close(CLOSE.shutdown, 'shutting down');
    this.wss.close();
  }
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}
