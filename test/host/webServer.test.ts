/**
 * The browser host's server over a real service (in-process here; a worker in `npm run
 * web`): files only for the loopback Host, the bridge script put in before the app; the
 * printed address's one-time secret traded once for an HttpOnly SameSite=Strict cookie; a
 * spent secret brought back locks the profile; the WebSocket only with that cookie and
 * from the page's own origin; calls validated; a restarted host takes its cookie back, and
 * says so when its port was taken (issue 24 leftover); a taken --port is one clear sentence.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createService, type LocalService } from '../../main/core/service/service.js';
import { startWebServer, type WebServer } from '../../main/host/webServer.js';
import { PASSWORD, TEST_LOG_N, useEnv } from '../core/harness.js';
import { openSession, socketWith } from '../helpers/webSession.js';

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
  let rendererDir: string;
  const stateFile = () => join(env.profile('web-host'), 'web-host.json');

  beforeAll(async () => {
    rendererDir = env.profile('renderer');
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(
      join(rendererDir, 'index.html'),
      '<head><!-- bridge --><script src="app.js"></script></head>',
    );
    writeFileSync(join(rendererDir, 'app.js'), 'void 0;');
    service = createService({ profile: env.profile('web-host'), kdfLogN: TEST_LOG_N, log: env.log });
    await service.createIdentity({
      nickname: 'Web',
      password: PASSWORD,
      serverUrl: env.relay.url,
      deviceName: 'Web PC',
    });
    server = await startWebServer({ service, rendererDir, stateFile: stateFile() });
    port = server.port;
  });
  afterAll(async () => {
    await server.close();
    await service.close();
  });

  it('prints a loopback URL carrying a one-time secret in the fragment', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#boot=[\w-]{20,}$/);
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

  it('opens the WebSocket only with the session cookie, from the page origin', async () => {
    const origin = `http://127.0.0.1:${port}`;
    const base = `ws://127.0.0.1:${port}/rpc`;
    // No session yet: nothing opens, whatever the URL says.
    expect(await connect(base, origin)).toBe(403);
    expect(await connect(`${base}?token=${new URL(server.url).hash.slice(6)}`, origin)).toBe(403);

    // The secret from another origin buys nothing (and does not spend it).
    const foreign = await fetch(`${origin}/session`, {
      method: 'POST',
      body: new URL(server.url).hash.slice(6),
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);

    const first = server.url;
    const session = await fetch(`${origin}/session`, {
      method: 'POST',
      body: new URL(first).hash.slice(6),
      headers: { origin },
    });
    expect(session.status).toBe(204);
    const setCookie = session.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(
      new RegExp(`^meow-session-${port}=[\\w-]{40,}; HttpOnly; SameSite=Strict; Path=/$`),
    );
    const cookie = setCookie.split(';')[0]!;

    expect(await connect(base, origin)).toBe(403); // no cookie
    const wrong = await socketWith(first, cookie.slice(0, -2) + 'xx').catch((e: Error) => e.message);
    expect(wrong).toBe('refused: 403');
    const foreignOrigin = await socketWith(first, cookie, 'https://evil.example').catch(
      (e: Error) => e.message,
    );
    expect(foreignOrigin).toBe('refused: 403');

    const ws = await socketWith(first, cookie);
    try {
      expect(await call(ws, 1, 'appState', [])).toMatchObject({ ok: true, value: { state: 'open' } });
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

  it('a spent secret brought back (the address in the history) opens nothing and locks the profile', async () => {
    const address = server.url;
    const { status, cookie } = await openSession(address);
    expect(status).toBe(204);
    expect((await service.appState()).state).toBe('open');
    const again = await openSession(address);
    expect(again).toEqual({ status: 403, cookie: '' });
    expect((await service.appState()).state).toBe('locked');
    // The browser that holds a session still connects, to the password screen.
    const ws = await socketWith(address, cookie);
    try {
      expect(await call(ws, 1, 'appState', [])).toMatchObject({ ok: true, value: { state: 'locked' } });
    } finally {
      ws.terminate();
    }
    await service.unlock({ password: PASSWORD });
  });

  it("a restarted host listens on the same port and takes the open tab's cookie back", async () => {
    const { cookie } = await openSession(server.url);
    await server.close();
    server = await startWebServer({ service, rendererDir, stateFile: stateFile() });
    expect(server.port).toBe(port);
    const ws = await socketWith(server.url, cookie);
    try {
      expect(await call(ws, 1, 'appState', [])).toMatchObject({ ok: true });
    } finally {
      ws.terminate();
    }
    // The secret printed by the restarted host is a new one.
    expect((await openSession(server.url)).status).toBe(204);
  });

  it('a restarted host whose port was taken listens elsewhere and says so; a taken --port is a clear error', async () => {
    const before = server.port;
    expect(server.movedFrom).toBe(null);
    await server.close();
    const squatter = createNetServer();
    await new Promise<void>((r) => squatter.listen(before, '127.0.0.1', () => r()));
    try {
      await expect(startWebServer({ service, rendererDir, port: before })).rejects.toThrow(
        `port ${before} is taken (by another program, or another Meow): choose another with --port, or --port 0 for any free one`,
      );
      server = await startWebServer({ service, rendererDir, stateFile: stateFile() });
      expect(server.port).not.toBe(before);
      expect(server.movedFrom).toBe(before);
      expect((await openSession(server.url)).status).toBe(204);
    } finally {
      await new Promise<void>((r) => squatter.close(() => r()));
    }
  });
});
