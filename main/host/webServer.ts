/**
 * The browser host's server: the renderer's files and, on one WebSocket path, the service
 * over shared/rpc.ts. Loopback only; the WebSocket needs the session cookie the page got
 * for the printed address's one-time secret (webSession.ts) and a page of this very
 * origin; the Host header must name the loopback address, so a rebound DNS name reaches
 * nothing.
 *
 * @example
 *   const host = await startWebServer({ service, rendererDir: 'dist/renderer' });
 *   console.log(host.url); // http://127.0.0.1:PORT/#boot=…
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { WEB_BOOT_PARAM, WEB_SESSION_PATH, WEB_SOCKET_PATH } from '../../shared/bridge.js';
import { serveRpc, type RpcFrame } from '../../shared/rpc.js';
import type { MeowService } from '../../shared/service.js';
import { contentSecurityPolicy } from '../app/policy.js';
import { cookieValue, sessionCookie, webSessions } from './webSession.js';

export interface WebServerOptions {
  service: MeowService;
  /** The built renderer (index.html, app.js, app.css) and web-bridge.js. */
  rendererDir: string;
  /** 0 (default): the port this profile's host had last time if it is free, else any free one. */
  port?: number;
  /** Fixed first secret (tests); a random one otherwise. */
  secret?: string;
  /** Where sessions and the port are kept (web-host.json in the profile); memory only without. */
  stateFile?: string;
  /** A secret was spent: here is the address with the next one (for another browser). */
  onNewAddress?: (url: string) => void;
}

export interface WebServer {
  /** The address to open now, with the current one-time secret in the fragment. */
  readonly url: string;
  port: number;
  /**
   * The port the open tabs knew (this profile's last host), when something else took it and
   * this host had to listen elsewhere: those tabs cannot follow (another port is another
   * origin), so the host says so and the person opens the new address.
   */
  movedFrom: number | null;
  close(): Promise<void>;
}

/** Largest WebSocket frame: a message's text crosses as at most 128k characters. */
export const MAX_FRAME_BYTES = 1024 * 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const sessions = webSessions(opts.stateFile, opts.secret);
  let port = 0;
  const address = () => `http://127.0.0.1:${port}/#${WEB_BOOT_PARAM}=${sessions.bootstrap()}`;
  const origins = () => [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  const hostOk = (req: IncomingMessage) =>
    req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;
  const csp = () => contentSecurityPolicy({ connect: origins().map((o) => o.replace('http:', 'ws:')) });

  const send = (
    res: ServerResponse,
    status: number,
    type: string,
    body: string | Buffer,
    extra: Record<string, string> = {},
  ) => {
    res.writeHead(status, {
      ...extra,
      'content-type': type,
      'content-security-policy': csp(),
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cache-control': 'no-store',
    });
    res.end(body);
  };

  /** POST /session: the page's secret for a cookie; a spent or wrong one locks the profile. */
  const openSession = async (req: IncomingMessage, res: ServerResponse) => {
    if (!origins().includes(req.headers.origin ?? '')) return send(res, 403, 'text/plain', 'not this page\n');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > 256) return send(res, 413, 'text/plain', 'too long\n');
      chunks.push(chunk);
    }
    const token = sessions.redeem(Buffer.concat(chunks).toString('utf8'));
    if (!token) {
      // An address from the history (or a guess): whoever brings it gets the password screen.
      await opts.service.lock().catch(() => undefined);
      return send(res, 403, 'text/plain', 'spent\n');
    }
    opts.onNewAddress?.(address());
    send(res, 204, 'text/plain', '', {
      'set-cookie': `${sessionCookie(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`,
    });
  };

  const serveFile = async (req: IncomingMessage, res: ServerResponse) => {
    if (!hostOk(req)) return send(res, 421, 'text/plain', 'wrong host\n');
    if (req.method === 'POST' && req.url === WEB_SESSION_PATH) return openSession(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'GET only\n');
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const rel = path === '/' ? 'index.html' : normalize(path).replace(/^[/\\]+/, '');
    const file = join(opts.rendererDir, rel);
    if (rel.startsWith('..') || !file.startsWith(opts.rendererDir + sep) || !TYPES[extname(file)]) {
      return send(res, 404, 'text/plain', 'not found\n');
    }
    let body: string | Buffer;
    try {
      body = await readFile(file);
    } catch {
      return send(res, 404, 'text/plain', 'not found\n');
    }
    if (rel === 'index.html') {
      // The bridge goes in before the app, as the preload does in Electron.
      body = body.toString('utf8').replace('<!-- bridge -->', '<script src="web-bridge.js"></script>');
    }
    send(res, 200, TYPES[extname(file)]!, body);
  };

  // Any page in the browser can make requests here: whatever a request holds (a path that
  // is not valid percent-encoding, a target URL cannot parse), it gets 400 and the host stays up.
  const server = createServer((req, res) => {
    serveFile(req, res).catch(() => {
      if (!res.headersSent) send(res, 400, 'text/plain', 'bad request\n');
      else res.destroy();
    });
  });
  // A request node cannot even parse: 400, as node does by default, and nothing thrown.
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
  });
  const upgradeOk = (req: IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'http://x');
    return (
      hostOk(req) &&
      url.pathname === WEB_SOCKET_PATH &&
      origins().includes(req.headers.origin ?? '') &&
      sessions.valid(cookieValue(req.headers.cookie, sessionCookie(port)) ?? '')
    );
  };
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    let ok: boolean;
    try {
      ok = upgradeOk(req);
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
      return;
    }
    if (!ok) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
      return;
    }
    try {
      wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
    } catch {
      socket.destroy();
    }
  });

  const attach = (ws: WebSocket) => {
    // A protocol error (an oversized or malformed frame): ws closes the connection with
    // its code (1009, 1002…); the host carries on.
    ws.on('error', () => undefined);
    serveRpc(opts.service, {
      send: (frame: RpcFrame) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
      },
      onFrame: (listener) =>
        ws.on('message', (data, isBinary) => {
          if (isBinary) return ws.close(1003, 'text frames only');
          let frame: unknown;
          try {
            frame = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : '');
          } catch {
            return ws.close(1007, 'not JSON');
          }
          listener(frame);
        }),
      onClose: (listener) => ws.once('close', listener),
    });
  };

  const listen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      const failed = (e: Error) => reject(e);
      server.once('error', failed);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', failed);
        resolve();
      });
    });
  const wanted = opts.port ?? 0;
  let movedFrom: number | null = null;
  if (wanted === 0 && sessions.savedPort) {
    // Where the open tabs look for it after a restart; taken by something else: any port.
    await listen(sessions.savedPort).catch(async () => {
      movedFrom = sessions.savedPort;
      await listen(0);
    });
  } else {
    await listen(wanted).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EADDRINUSE') throw e;
      throw new Error(
        `port ${wanted} is taken (by another program, or another Meow): choose another with --port, or --port 0 for any free one`,
      );
    });
  }
  port = (server.address() as AddressInfo).port;
  sessions.listening(port);
  return {
    get url() {
      return address();
    },
    port,
    movedFrom,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
