/**
 * Any web page (and any local process) can send requests to the browser host. A real
 * started host (`node dist/web.js`) gets malformed paths, headers, methods, upgrade
 * targets and WebSocket frames, seeded-random and hand-picked (`GET /%E0%A4%A` and the
 * upgrade target `http://[` each killed it once); after every batch it must still be
 * running and still serve the page and a call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { spawnWebHost, type WebHostProcess } from '../helpers/webHost.js';
import { webSession, type WebSession } from '../helpers/webSession.js';

/** Deterministic (mulberry32): a failure replays. */
function prng(seed: number) {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  return { rnd, int, pick, bytes };
}

/**
 * Sends raw bytes as one request and returns what comes back: up to the end of the answer's
 * head, or until the host closes. `finish`: half-close after writing (for garbage the parser
 * would wait on; node drops the answer to a request whose client half-closed before it).
 */
function raw(port: number, request: Buffer | string, finish = false): Promise<string> {
  return new Promise((resolve) => {
    const socket = tcp({ host: '127.0.0.1', port });
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (/\r\n\r\n/.test(got)) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(got));
    socket.on('connect', () => {
      socket.write(request);
      if (finish) socket.end();
    });
  });
}

const status = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

const PATHS = [
  '/%E0%A4%A',
  '/%',
  '/%%',
  '/%zz',
  '/%C0%AF',
  '/%ED%A0%80',
  '/%00',
  '/..%2f..%2fetc%2fpasswd',
  '//',
  '/\\..\\..\\',
  '/index.html%',
  '/' + 'a'.repeat(9000),
  '/' + '%E0'.repeat(2000),
  '*',
  'http://[',
  'http://[::1',
  '//[',
  '',
];
const UPGRADE_TARGETS = [
  'http://[',
  '//[',
  '/rpc?token=%E0%A4%A',
  '/%E0%A4%A',
  'http://%',
  '*',
  '/rpc?%',
  '[',
  '',
];
const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'OPTIONS',
  'DELETE',
  'PATCH',
  'TRACE',
  'CONNECT',
  'X'.repeat(40),
];

describe('browser host under malformed requests', () => {
  let dir: string;
  let host: WebHostProcess;
  let session: WebSession;
  const r = prng(20_2);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meow-web-fuzz-'));
    host = await spawnWebHost(join(dir, 'profile'), ['--port', '0']);
    session = await webSession(host.url);
  });
  afterAll(async () => {
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The host is running and answers: the page, and a call over a real session. */
  async function stillUp(what: string) {
    expect(host.alive(), `${what}: the host exited\n${host.output()}`).toBe(true);
    expect(status(await raw(host.port, `GET / HTTP/1.1\r\nhost: 127.0.0.1:${host.port}\r\n\r\n`)), what).toBe(
      200,
    );
  }

  it('answers malformed paths with an error and stays up', async () => {
    const hostHeader = `host: 127.0.0.1:${host.port}`;
    for (const path of PATHS) {
      const answer = await raw(host.port, `GET ${path} HTTP/1.1\r\n${hostHeader}\r\n\r\n`);
      // 200: a path URL parsing turns into / (backslashes are slashes to it).
      expect([200, 400, 404, 414, 431], path.slice(0, 40)).toContain(status(answer));
    }
    for (let i = 0; i < 200; i++) {
      const path =
        '/' +
        Array.from({ length: 1 + r.int(12) }, () =>
          r.rnd() < 0.5
            ? '%' +
              r
                .bytes(1)
                .toString('hex')
                .slice(0, 1 + r.int(2))
            : r.pick(['a', '.', '/', '%', '[']),
        ).join('');
      await raw(host.port, `${r.pick(METHODS)} ${path} HTTP/1.1\r\n${hostHeader}\r\n\r\n`, true);
    }
    await stillUp('paths');
  });

  it('answers malformed headers and request lines and stays up', async () => {
    const p = host.port;
    const cases: (string | Buffer)[] = [
      `GET / HTTP/1.1\r\n\r\n`, // no Host
      `GET / HTTP/1.1\r\nhost: 127.0.0.1:${p}\r\nhost: evil\r\n\r\n`,
      `GET / HTTP/1.1\r\nhost: \u0000\r\n\r\n`,
      `GET / HTTP/1.1\r\nhost: 127.0.0.1:${p}\r\nx: ${'y'.repeat(70_000)}\r\n\r\n`,
      `GET / HTTP/1.1\r\nhost 127.0.0.1\r\n\r\n`,
      `GET / HTTP/9.9\r\nhost: 127.0.0.1:${p}\r\n\r\n`,
      `GET\r\n\r\n`,
      `\r\n\r\n`,
      `GET / HTTP/1.1\r\nhost: 127.0.0.1:${p}\r\ncontent-length: -1\r\n\r\n`,
      `GET / HTTP/1.1\r\nhost: 127.0.0.1:${p}\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n`,
      `GET / HTTP/1.1\r\nhost: 127.0.0.1:${p}\r\ncookie: ${'%E0%A4%A;'.repeat(50)}\r\n\r\n`,
      `POST /session HTTP/1.1\r\nhost: 127.0.0.1:${p}\r\norigin: http://127.0.0.1:${p}\r\ncontent-length: 5\r\n\r\n%E0%A`,
    ];
    for (let i = 0; i < 100; i++)
      cases.push(Buffer.concat([Buffer.from('GET / HTTP/1.1\r\n'), r.bytes(1 + r.int(200))]));
    for (let i = 0; i < 50; i++) cases.push(r.bytes(1 + r.int(300)));
    for (const c of cases) await raw(p, c, true);
    await stillUp('headers');
  });

  it('refuses malformed upgrade targets and headers and stays up', async () => {
    const p = host.port;
    const upgrade = (target: string, extra = '') =>
      `GET ${target} HTTP/1.1\r\nhost: 127.0.0.1:${p}\r\norigin: http://127.0.0.1:${p}\r\n` +
      `connection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\n` +
      `sec-websocket-key: ${Buffer.alloc(16, 7).toString('base64')}\r\n${extra}\r\n`;
    for (const target of UPGRADE_TARGETS) {
      const answer = await raw(p, upgrade(target));
      expect([400, 403], target).toContain(status(answer));
    }
    const extras = [
      'sec-websocket-version: 99\r\n',
      'sec-websocket-key: x\r\n',
      `cookie: ${'%'.repeat(100)}\r\n`,
      'sec-websocket-extensions: permessage-deflate; %%%\r\n',
      'sec-websocket-protocol: ,,,\r\n',
    ];
    for (const extra of extras) await raw(p, upgrade('/rpc', extra), true);
    for (let i = 0; i < 100; i++) {
      const target =
        r.pick(['/rpc', 'http://', '//', '/']) +
        r
          .bytes(1 + r.int(20))
          .toString('latin1')
          .replace(/[\r\n ]/g, '[');
      await raw(p, upgrade(target), true);
    }
    await stillUp('upgrades');
  });

  it('closes a connection that sends malformed frames and stays up', async () => {
    const frames: (string | Buffer)[] = [
      'not json',
      '{',
      'null',
      '[]',
      '"call"',
      '{"t":"call"}',
      '{"t":"call","id":"x","method":"appState","args":{}}',
      '{"t":"call","id":1,"method":"appState","args":null}',
      '{"t":"call","id":1,"method":"__proto__","args":[]}',
      '{"t":"call","id":1e400,"method":"appState","args":[]}',
      '{"__proto__":{"t":"call"}}',
      JSON.stringify({ t: 'call', id: 2, method: 'unlock', args: [{ password: 'x'.repeat(100_000) }] }),
      Buffer.from([0, 1, 2, 3]),
    ];
    for (let i = 0; i < 40; i++)
      frames.push(r.rnd() < 0.5 ? r.bytes(1 + r.int(100)) : r.bytes(1 + r.int(100)).toString('latin1'));
    for (const frame of frames) {
      const ws = await session.socket();
      ws.on('error', () => undefined);
      // Each junk frame, then a real call: either the host answers the call (the junk was
      // answered or ignored) or it closes a connection it cannot use (binary, not JSON).
      const after = new Promise<string>((resolve) => {
        ws.once('close', () => resolve('closed'));
        ws.on('message', (d: WebSocket.RawData) => {
          if ((JSON.parse((d as Buffer).toString('utf8')) as { id?: unknown }).id === 424242)
            resolve('answered');
        });
      });
      ws.send(frame, { binary: Buffer.isBuffer(frame) });
      ws.send(JSON.stringify({ t: 'call', id: 424242, method: 'appState', args: [] }));
      expect(['closed', 'answered']).toContain(await after);
      ws.terminate();
    }
    await stillUp('frames');
    const ws = await session.socket();
    try {
      const answer = new Promise<string>((resolve) =>
        ws.once('message', (d: WebSocket.RawData) => resolve((d as Buffer).toString('utf8'))),
      );
      ws.send(JSON.stringify({ t: 'call', id: 1, method: 'appState', args: [] }));
      expect(JSON.parse(await answer)).toMatchObject({ t: 'result', id: 1, result: { ok: true } });
    } finally {
      ws.terminate();
    }
  });
});
