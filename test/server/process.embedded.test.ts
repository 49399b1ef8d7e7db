/** `meow-server` as a process with the embedded store: durability across restarts, graceful stop, flags. */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';
import { fetchServerCard, RelayClient } from '../../main/net/relayClient.js';
import { packed } from '../helpers/relay.js';
import { spawnServer, type ServerProcess } from '../helpers/serverProcess.js';
import { selfSignedCert } from '../helpers/tls.js';

const dir = mkdtempSync(join(tmpdir(), 'meow-proc-'));
const running: ServerProcess[] = [];
async function start(args: string[]): Promise<ServerProcess> {
  const s = await spawnServer(args);
  running.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function clientFor(url: string) {
  const card = await fetchServerCard(url);
  return { card, client: new RelayClient({ url, serverKey: card.publicKey, device: ed25519KeyPair() }) };
}

describe('meow-server process, embedded store', () => {
  it('keeps queued messages and its identity across a restart; an ack is final', async () => {
    const data = join(dir, 'restart');
    const q = ed25519KeyPair();
    const a = await start(['--data', data]);
    const first = await clientFor(a.url);
    const ids = await first.client.post([packed(q), packed(q)]);
    expect(statSync(join(data, 'server-key.json')).mode & 0o777).toBe(0o600);
    expect(await a.stop('SIGTERM')).toBe(0);

    const b = await start(['--data', data]);
    const second = await clientFor(b.url);
    expect(second.card.publicKey).toEqual(first.card.publicKey);
    expect(second.card.signingKey).toEqual(first.card.signingKey);
    const got = await second.client.pull([q], { timeoutMs: 0 });
    expect(got.messages.map((m) => m.id)).toEqual(ids);
    expect(await second.client.ack([{ lookup: q, ids: [ids[0]!] }])).toBe(1);
    // Even a hard kill right after the ack answer keeps the ack.
    expect(await b.stop('SIGKILL')).toBe(null);

    const c = await start(['--data', data]);
    const third = await clientFor(c.url);
    expect((await third.client.pull([q], { timeoutMs: 0 })).messages.map((m) => m.id)).toEqual([ids[1]]);
  });

  it('keeps a posted message through a hard kill right after the post answered', async () => {
    const data = join(dir, 'kill');
    const q = ed25519KeyPair();
    const a = await start(['--data', data]);
    const ids = await (await clientFor(a.url)).client.post([packed(q)]);
    await a.stop('SIGKILL');
    const b = await start(['--data', data]);
    expect(
      (await (await clientFor(b.url)).client.pull([q], { timeoutMs: 0 })).messages.map((m) => m.id),
    ).toEqual(ids);
  });

  it('on SIGTERM answers held pulls, closes the store and exits 0', async () => {
    const s = await start(['--data', join(dir, 'term')]);
    const { client } = await clientFor(s.url);
    const pending = client.pull([ed25519KeyPair()], { timeoutMs: 30_000 });
    const health = await fetch(`${s.url}/healthz`);
    expect(health.status).toBe(200);
    for (let i = 0; i < 100; i++) {
      const m = await (await fetch(`${s.url}/metrics`)).text();
      if (/^meow_held_polls 1$/m.test(m)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const started = Date.now();
    expect(await s.stop('SIGTERM')).toBe(0);
    expect(await pending).toEqual({ messages: [], more: false });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(s.stderr()).toMatch(/"event":"stopping","signal":"SIGTERM"/);
  });

  it('prints usage for --help and refuses unknown flags or bad values', async () => {
    const bin = fileURLToPath(new URL('../../bin/meow-server.js', import.meta.url));
    const run = promisify(execFile);
    const help = await run(process.execPath, [bin, '--help']);
    expect(help.stdout).toMatch(/--redis-cluster/);
    expect(help.stdout).toMatch(/--max-queue-length/);
    for (const args of [
      ['--bogus'],
      ['--max-poll', 'soon'],
      ['--port', '70000'],
      ['--max-queue-length', '0'],
    ]) {
      const r = await run(process.execPath, [bin, ...args]).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/usage: meow-server/);
    }
  });

  it('takes limits from the environment', async () => {
    const s = await spawnServer(['--data', join(dir, 'env')], { MEOW_MAX_MESSAGES_PER_POST: '1' });
    running.push(s);
    const { client } = await clientFor(s.url);
    const q = ed25519KeyPair();
    await expect(client.post([packed(q), packed(q)])).rejects.toMatchObject({ code: 'TOO_MANY_MESSAGES' });
    expect(await client.post([packed(q)])).toHaveLength(1);
  });

  it('serves HTTPS with --tls-cert/--tls-key and picks up a renewed certificate on SIGHUP', async () => {
    const first = selfSignedCert();
    const renewed = selfSignedCert();
    try {
      const s = await start([
        '--data',
        join(dir, 'tls'),
        '--tls-cert',
        first.certFile,
        '--tls-key',
        first.keyFile,
      ]);
      expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const card = await fetchServerCard(s.url, { ca: first.cert });
      expect(card.url).toBe(s.url);
      const client = new RelayClient({
        url: s.url,
        serverKey: card.publicKey,
        device: ed25519KeyPair(),
        ca: first.cert,
      });
      const q = ed25519KeyPair();
      const ids = await client.post([packed(q)]);
      expect((await client.pull([q], { timeoutMs: 0 })).messages.map((m) => m.id)).toEqual(ids);
      // the renewed certificate replaces the first one for new connections
      await expect(fetchServerCard(s.url, { ca: renewed.cert })).rejects.toMatchObject({
        code: 'UNREACHABLE',
      });
      copyFileSync(renewed.certFile, first.certFile);
      copyFileSync(renewed.keyFile, first.keyFile);
      s.proc.kill('SIGHUP');
      for (let i = 0; i < 200 && !/"event":"tls_reloaded"/.test(s.stderr()); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect((await fetchServerCard(s.url, { ca: renewed.cert })).publicKey).toEqual(card.publicKey);
    } finally {
      first.remove();
      renewed.remove();
    }
  });

  it('refuses half a TLS configuration', async () => {
    const bin = fileURLToPath(new URL('../../bin/meow-server.js', import.meta.url));
    const run = promisify(execFile);
    const r = await run(process.execPath, [bin, '--tls-cert', '/nonexistent.pem']).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--tls-cert and --tls-key/);
  });

  it('on a busy port says so in one sentence and creates nothing (no data folder, no key)', async () => {
    const bin = fileURLToPath(new URL('../../bin/meow-server.js', import.meta.url));
    const run = promisify(execFile);
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as AddressInfo).port;
    const data = join(dir, 'busy');
    try {
      const r = await run(process.execPath, [bin, '--port', String(port), '--data', data]).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`meow-server: port ${port} on 127.0.0.1 is already in use`);
      expect(existsSync(data)).toBe(false);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});
