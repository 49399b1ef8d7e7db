/**
 * The browser host's server: the renderer's files and, on one WebSocket path, the service
 * over shared/rpc.ts. Loopback only; the WebSocket needs the random token of the printed
 * URL (compared in constant time) and a page of this very origin; the Host header must
 * name the loopback address, so a rebound DNS name reaches nothing.
 *
 * @example
 *   const host = await startWebServer({ service, rendererDir: 'dist/renderer' });
 *   console.log(host.url); // http://127.0.0.1:PORT/#token=…
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { WEB_SOCKET_PATH, WEB_TOKEN_PARAM } from '../../shared/bridge.js';
import { serveRpc, type RpcFrame } from '../../shared/rpc.js';
import type { MeowService } from '../../shared/service.js';
import { contentSecurityPolicy } from '../app/policy.js';

export interface WebServerOptions {
  service: MeowService;
  /** The built renderer (index.html, app.js, app.css) and web-bridge.js. */
  rendererDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Fixed token (tests); a random one otherwise. */
  token?: string;
}

export interface WebServer {
  /** The address to open, token in the fragment. */
  url: string;
  port: number;
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
};

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  let port = 0;
  const origins = () => [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  const hostOk = (req: IncomingMessage) =>
    req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;
  const csp = () => contentSecurityPolicy({ connect: origins().map((o) => o.replace('http:', 'ws:')) });

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, {
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

  const serveFile = async (req: IncomingMessage, res: ServerResponse) => {
    if (!hostOk(req)) return send(res, 421, 'text/plain', 'wrong host\n');
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
    const given = Buffer.from(url.searchParams.get(WEB_TOKEN_PARAM) ?? '');
    return (
      hostOk(req) &&
      url.pathname === WEB_SOCKET_PATH &&
      origins().includes(req.headers.origin ?? '') &&
      given.length === tokenBytes.length &&
      timingSafeEqual(given, tokenBytes)
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

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/#${WEB_TOKEN_PARAM}=${token}`,
    port,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
