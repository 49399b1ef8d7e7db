/**
 * A misbehaving network between clients and a real relay: an HTTP proxy on loopback that,
 * per request to /v1/request and with the given probabilities, flips one bit of the
 * request body or of the response body, answers 500 without forwarding, holds the reply
 * for a while, or cuts the connection half-way through the response body. Everything
 * else (the server card) passes untouched.
 *
 * WebSocket mode (a session, GET /v1/session): the proxy opens its own WebSocket to the
 * relay and forwards frames both ways; per frame, either way, it flips one bit, cuts the
 * connection (both sides, no close frame: a network gone), or holds the frame — and the
 * frames behind it, as TCP would — for a while. It counts what it did, for the report.
 */
import { prng } from '../ratchet/helpers.js';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer, type RawData } from 'ws';

export interface FaultRates {
  /** Flip one bit of the request body before forwarding it. */
  damageRequest?: number;
  /** Flip one bit of the response body before returning it. */
  damageResponse?: number;
  /** Answer HTTP 500 with an empty body, without forwarding. */
  error500?: number;
  /** Close the connection after half of the response body (after forwarding: the relay did the work). */
  dropMidBody?: number;
  /** Hold the response this long (ms) before returning it. */
  slow?: number;
  slowMs?: number;
  /** Session frames (either way): flip one bit of the frame. */
  damageFrame?: number;
  /** Session frames: cut the connection instead of forwarding the frame. */
  cutFrame?: number;
  /** Session frames: hold the frame (and those behind it) for slowMs. */
  slowFrame?: number;
  /** Fault only the frames going to this side (both ways when unset). */
  framesTo?: 'client' | 'relay';
}

export interface FaultCounts {
  requests: number;
  damagedRequests: number;
  damagedResponses: number;
  errors500: number;
  dropped: number;
  slowed: number;
  /** Session frames forwarded or faulted, both ways. */
  frames: number;
  damagedFrames: number;
  cutSessions: number;
  slowedFrames: number;
}

export interface FaultProxy {
  url: string;
  counts: FaultCounts;
  /** Replace the rates (e.g. 0 to let everything through while a test settles). */
  setRates(rates: FaultRates): void;
  /** Total faults injected so far. */
  faults(): number;
  close(): Promise<void>;
}

function flipOneBit(body: Buffer, rnd: () => number): Buffer {
  if (body.length === 0) return body;
  const copy = Buffer.from(body);
  const bit = Math.floor(rnd() * copy.length * 8);
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** `rnd` is injectable so a failing run can be replayed with the same seed. */
export async function startFaultProxy(
  target: string,
  rates: FaultRates,
  rnd: () => number = Math.random,
): Promise<FaultProxy> {
  const to = new URL(target);
  let current = { ...rates };
  const counts: FaultCounts = {
    requests: 0,
    damagedRequests: 0,
    damagedResponses: 0,
    errors500: 0,
    dropped: 0,
    slowed: 0,
    frames: 0,
    damagedFrames: 0,
    cutSessions: 0,
    slowedFrames: 0,
  };
  const hit = (p: number | undefined) => (p ?? 0) > 0 && rnd() < p!;
  const server: Server = createServer((req, res) => {
    void (async () => {
      let body = await readAll(req);
      const faulty = req.url === '/v1/request';
      if (faulty) counts.requests++;
      if (faulty && hit(current.error500)) {
        counts.errors500++;
        res.writeHead(500, { 'content-length': '0' }).end();
        return;
      }
      if (faulty && hit(current.damageRequest)) {
        counts.damagedRequests++;
        body = flipOneBit(body, rnd);
      }
      const headers = { ...req.headers, host: to.host, 'content-length': String(body.length) };
      const upstream = httpRequest(
        { host: to.hostname, port: to.port, path: req.url, method: req.method, headers },
        (up) => {
          void (async () => {
            let reply = await readAll(up);
            if (faulty && hit(current.slow)) {
              counts.slowed++;
              await new Promise((r) => setTimeout(r, current.slowMs ?? 2000));
            }
            if (faulty && hit(current.dropMidBody) && reply.length > 1) {
              counts.dropped++;
              res.writeHead(up.statusCode ?? 502, { 'content-length': String(reply.length) });
              res.write(reply.subarray(0, reply.length >> 1), () => res.destroy());
              return;
            }
            if (faulty && hit(current.damageResponse)) {
              counts.damagedResponses++;
              reply = flipOneBit(reply, rnd);
            }
            const out = { ...up.headers, 'content-length': String(reply.length) };
            delete out['transfer-encoding'];
            res.writeHead(up.statusCode ?? 502, out).end(reply);
          })().catch(() => res.destroy());
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    })().catch(() => res.destroy());
  });
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = `${to.protocol === 'https:' ? 'wss' : 'ws'}://${to.host}${req.url ?? '/'}`;
    const upstream = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    upstream.on('unexpected-response', (_r, res) => {
      // The relay did not open a session: say so as it did.
      socket.end(`HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\nconnection: close\r\n\r\n`);
    });
    upstream.on('error', () => socket.destroy());
    upstream.once('open', () => wss.handleUpgrade(req, socket, head, (client) => pair(client, upstream)));
  });
  const pair = (client: WebSocket, upstream: WebSocket) => {
    sockets.add(client).add(upstream);
    const cut = () => {
      client.terminate();
      upstream.terminate();
    };
    const passClose = (to: WebSocket) => (code: number, reason: Buffer) => {
      sockets.delete(client);
      sockets.delete(upstream);
      // A relay's own close codes (4001: handshake refused) pass; an abnormal one is a cut.
      if (code === 1000 || code === 1001 || (code >= 3000 && code < 5000)) to.close(code, reason);
      else to.terminate();
    };
    client.on('close', passClose(upstream));
    upstream.on('close', passClose(client));
    client.on('error', cut);
    upstream.on('error', cut);
    forward(client, upstream, 'relay', cut);
    forward(upstream, client, 'client', cut);
  };
  /** Frames from `from` to `to`, in order: a held frame holds those behind it. */
  const forward = (from: WebSocket, to: WebSocket, side: 'client' | 'relay', cut: () => void) => {
    let chain = Promise.resolve();
    const hitHere = (p: number | undefined) => (current.framesTo ?? side) === side && hit(p);
    from.on('message', (data: RawData, isBinary: boolean) => {
      chain = chain.then(async () => {
        counts.frames++;
        let frame = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
        if (hitHere(current.slowFrame)) {
          counts.slowedFrames++;
          await new Promise((r) => setTimeout(r, current.slowMs ?? 2000));
        }
        if (hitHere(current.cutFrame)) {
          counts.cutSessions++;
          cut();
          return;
        }
        if (hitHere(current.damageFrame)) {
          counts.damagedFrames++;
          frame = flipOneBit(frame, rnd);
        }
        if (to.readyState === WebSocket.OPEN) to.send(frame, { binary: isBinary });
      });
    });
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    setRates(r) {
      current = { ...r };
    },
    faults: () =>
      counts.damagedRequests +
      counts.damagedResponses +
      counts.errors500 +
      counts.dropped +
      counts.slowed +
      counts.damagedFrames +
      counts.cutSessions +
      counts.slowedFrames,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A seeded generator, so a fuzz or fault run can be replayed (the ratchet property tests' own). */
export const seeded = prng;
