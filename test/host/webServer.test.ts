/**
 * The browser host's server over a real service (in-process here; a worker in `npm run
 * web`): files only for the loopback Host, the bridge script put in before the app, the
 * WebSocket only with the token and from the page's own origin, calls validated.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createService, type LocalService } from '../../main/core/service/service.js';
import { startWebServer, type WebServer } from '../../main/host/webServer.js';
import { TEST_LOG_N, useEnv } from '../core/harness.js';

function get(port: number, path: string, host = `127.0.0.1:${port}`) {
  return new Promise<{ status: number; body: string; csp: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, csp: String(res.headers['content-security-policy']) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(url: string, origin?: string): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.on('open', () => resolve(ws));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

function call(ws: WebSocket, id: number, method: string, args: unknown[]): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const f = JSON.parse(data.toString()) as { t: string; id: number; result: unknown };
      if (f.t === 'result' && f.id === id) {
        ws.off('message', onMessage);
        resolve(f.result);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ t: 'call', id, method, args }));
  });
}

describe('browser host server', () => {
  const env = useEnv();
  let service: LocalService;
  let server: WebServer;
  let port: number;
  let token: string;

  beforeAll(async () => {
    const dir = env.profile('renderer');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<head><!-- bridge --><script src="app.js"></script></head>');
    writeFileSync(join(dir, 'app.js'), 'void 0;');
    service = createService({ profile: env.profile('web-host'), kdfLogN: TEST_LOG_N, log: env.log });
    server = await startWebServer({ service, rendererDir: dir });
    port = server.port;
    token = new URL(server.url).hash.split('=')[1]!;
  });
  afterAll(async () => {
    await server.close();
    await service.close();
  });

  it('prints a loopback URL carrying the token in the fragment', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{20,}$/);
  });

  it('serves the renderer with the bridge first, under the CSP, to the loopback Host only', async () => {
    const index = await get(port, '/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<script src="web-bridge.js"></script><script src="app.js">');
    expect(index.csp).toContain("script-src 'self'");
    expect(index.csp).toContain(`ws://127.0.0.1:${port}`);
    expect((await get(port, '/app.js')).status).toBe(200);
    expect((await get(port, '/../../etc/passwd')).status).toBe(404);
    expect((await get(port, '/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
    expect((await get(port, '/', `evil.example:${port}`)).status).toBe(421);
  });

  it('opens the WebSocket only with the token, from the page origin', async () => {
    const origin = `http://127.0.0.1:${port}`;
    const base = `ws://127.0.0.1:${port}/rpc?token=`;
    expect(await connect(base + 'wrong', origin)).toBe(403);
    expect(await connect(base + token)).toBe(403); // no Origin: not the page
    expect(await connect(base + token, 'https://evil.example')).toBe(403);
    expect(await connect(`ws://127.0.0.1:${port}/other?token=${token}`, origin)).toBe(403);

    const ws = (await connect(base + token, origin)) as WebSocket;
    try {
      expect(await call(ws, 1, 'appState', [])).toMatchObject({ ok: true, value: { state: 'new' } });
      expect(await call(ws, 2, 'send', [1, 2])).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
      expect(await call(ws, 3, 'hasOwnProperty', [])).toMatchObject({
        ok: false,
        error: { code: 'UNKNOWN_METHOD' },
      });
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      ws.send('x'.repeat(2 * 1024 * 1024));
      expect(await closed).toBe(1009);
    } finally {
      ws.terminate();
    }
    // The host is still there.
    expect((await get(port, '/')).status).toBe(200);
  });
});
