/**
 * HTTP(S) for the relay client, on node:http and node:https (so a relay with a
 * private certificate can be trusted per connection: `ca`), and the policy on plain
 * http://: allowed to loopback only, unless the caller says otherwise — over the
 * network it shows request sizes and timing to anyone on the path and lets the
 * server card, pinned on first use, be swapped.
 *
 * @example
 *   checkTransport('http://192.0.2.7:8787', { allowInsecureHttp: false }); // throws InsecureTransportError
 *   const res = await httpRequest('https://relay.example/v1/card', { method: 'GET', timeoutMs: 15_000 });
 */
import { Agent as HttpAgent, request as httpRequestRaw, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequestRaw } from 'node:https';
import { isIP } from 'node:net';

export interface TransportOptions {
  /** Extra trusted certificate(s), PEM: for a relay whose certificate no public CA signed. */
  ca?: string | Buffer;
  /** Allow plain http:// to hosts other than loopback (a loud warning is still printed once). */
  allowInsecureHttp?: boolean;
}

export class InsecureTransportError extends Error {
  override readonly name = 'InsecureTransportError';
}

/** Loopback: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

const warned = new Set<string>();

/** Throws InsecureTransportError for plain http:// to a non-loopback host, unless allowed. */
export function checkTransport(url: string, opts: TransportOptions = {}): void {
  const u = new URL(url);
  if (u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname))) return;
  if (u.protocol !== 'http:') throw new InsecureTransportError(`${url}: not an http(s) address`);
  if (!opts.allowInsecureHttp)
    throw new InsecureTransportError(
      `refusing plain http:// to ${u.host}: request sizes and timing cross the network in clear, and the ` +
        `server card pinned on first use could be swapped. Use https:// (meow-server --tls-cert/--tls-key, ` +
        `or a TLS reverse proxy), or allow it explicitly (MEOW_ALLOW_INSECURE_HTTP=1).`,
    );
  if (!warned.has(u.host)) {
    warned.add(u.host);
    process.emitWarning(
      `meow: talking to ${u.host} over plain http:// (allowed explicitly): sizes and timing are visible on the network`,
      { code: 'MEOW_INSECURE_HTTP' },
    );
  }
}

export interface HttpResult {
  status: number;
  body: Uint8Array;
  header: (name: string) => string | undefined;
}

export type TransportFailure = 'abort' | 'timeout' | 'network';
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: TransportFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Replies larger than this are cut off (a relay's replies stay within its body bound). */
const MAX_REPLY_BYTES = 64 * 1024 * 1024;

const httpAgent = new HttpAgent({ keepAlive: true });
const httpsAgent = new HttpsAgent({ keepAlive: true });
const caAgents = new Map<string, HttpsAgent>();
function agentFor(url: URL, ca: string | Buffer | undefined): HttpAgent | HttpsAgent {
  if (url.protocol === 'http:') return httpAgent;
  if (!ca) return httpsAgent;
  const id = ca.toString();
  let a = caAgents.get(id);
  if (!a) caAgents.set(id, (a = new HttpsAgent({ keepAlive: true, ca })));
  return a;
}

/** One HTTP exchange: resolves with the status and whole body, or rejects with TransportError. */
export function httpRequest(
  url: string,
  init: {
    method: 'GET' | 'POST' | 'HEAD' | 'PATCH' | 'DELETE';
    body?: Uint8Array;
    headers?: Record<string, string>;
    timeoutMs: number;
    signal?: AbortSignal;
    ca?: string | Buffer;
  },
): Promise<HttpResult> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequestRaw : httpRequestRaw;
  return new Promise<HttpResult>((resolve, reject) => {
    let settled = false;
    const finish = (err: TransportError | null, result?: HttpResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      init.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(result!);
    };
    const req = send(target, {
      method: init.method,
      agent: agentFor(target, init.ca),
      headers: {
        ...init.headers,
        ...(init.body ? { 'content-length': String(init.body.length) } : {}),
      },
    });
    // Before anything can destroy the request: a destroyed request emits 'error' ("socket hang
    // up"), which without a listener would be thrown and end the whole process (or worker).
    req.on('error', (e) =>
      finish(new TransportError('network', `cannot reach ${url}: ${e.message}`, { cause: e })),
    );
    const onAbort = () => {
      finish(new TransportError('abort', 'request aborted'));
      req.destroy();
    };
    const timer = setTimeout(() => {
      finish(new TransportError('timeout', `no answer from ${url} within ${init.timeoutMs} ms`));
      req.destroy();
    }, init.timeoutMs);
    if (init.signal?.aborted) return onAbort();
    init.signal?.addEventListener('abort', onAbort);
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_REPLY_BYTES) {
          finish(new TransportError('network', `${url}: reply larger than ${MAX_REPLY_BYTES} bytes`));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      res.on('error', (e) =>
        finish(new TransportError('network', `${url}: reply cut short: ${e.message}`, { cause: e })),
      );
      res.on('end', () => {
        const all = Buffer.concat(chunks);
        finish(null, {
          status: res.statusCode ?? 0,
          body: new Uint8Array(all.buffer, all.byteOffset, all.byteLength),
          header: (name) => {
            const v = res.headers[name.toLowerCase()];
            return Array.isArray(v) ? v.join(', ') : v;
          },
        });
      });
    });
    req.end(
      init.body ? Buffer.from(init.body.buffer, init.body.byteOffset, init.body.byteLength) : undefined,
    );
  });
}

/**
 * A GET whose body is read as a stream (a blob download: never whole in memory). Resolves
 * with the response once its headers arrive; the timeout covers the wait for them and
 * each later stall (no data for that long).
 */
export function httpStream(
  url: string,
  init: { headers?: Record<string, string>; timeoutMs: number; signal?: AbortSignal; ca?: string | Buffer },
): Promise<IncomingMessage> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequestRaw : httpRequestRaw;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(target, {
      method: 'GET',
      agent: agentFor(target, init.ca),
      ...(init.headers ? { headers: init.headers } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
      timeout: init.timeoutMs,
    });
    req.on('error', (e) =>
      reject(new TransportError('network', `cannot reach ${url}: ${e.message}`, { cause: e })),
    );
    req.on('timeout', () => req.destroy(new Error(`no data within ${init.timeoutMs} ms`)));
    req.on('response', resolve);
    req.end();
  });
}
