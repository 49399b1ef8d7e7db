/**
 * Key generation must never freeze the process. On Node 20, `generateKeyPairSync`
 * followed by a JWK export could deadlock inside a GC (see the note in curves.ts):
 * with the old code, 3 processes × 12 s hung at least one process in 5 of 5 trials.
 *
 * Several child processes loop over every curve operation (generate, derive, DH,
 * sign, verify) while competing for the CPU; a watchdog counts a process that
 * reports no progress for WATCHDOG_MS as hung.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const PROCESSES = 3;
const RUN_MS = 12_000;
const WATCHDOG_MS = 5_000;
const CURVES = fileURLToPath(new URL('../../protocol/crypto/curves.ts', import.meta.url));

const CHILD = `
import { ed25519KeyPair, sign, verify, x25519, x25519KeyPair } from ${JSON.stringify(CURVES)};
const peer = x25519KeyPair();
let n = 0;
for (;;) {
  const a = x25519KeyPair();
  x25519(a, peer.publicKey);
  const e = ed25519KeyPair();
  if (!verify(e.publicKey, a.publicKey, sign(e, a.publicKey))) throw new Error('signature refused');
  x25519KeyPair(a.privateKey.slice());
  ed25519KeyPair(e.privateKey.slice());
  if (++n % 50 === 0) process.stdout.write(n + '\\n');
}
`;

const dir = mkdtempSync(join(tmpdir(), 'meow-keygen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Watched {
  proc: ChildProcess;
  count: number;
  lastProgress: number;
  exitedEarly: boolean;
  stderr: string;
}

describe('key generation under CPU load', () => {
  it(`no process hangs: ${PROCESSES} processes for ${RUN_MS / 1000} s`, async () => {
    const entry = join(dir, 'child.ts');
    const bundle = join(dir, 'child.mjs');
    writeFileSync(entry, CHILD);
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: bundle,
      logLevel: 'error',
    });

    let stopping = false;
    const watched: Watched[] = Array.from({ length: PROCESSES }, () => {
      const proc = spawn(process.execPath, [bundle], { stdio: ['ignore', 'pipe', 'pipe'] });
      const w: Watched = { proc, count: 0, lastProgress: Date.now(), exitedEarly: false, stderr: '' };
      proc.stdout.on('data', (d: Buffer) => {
        w.count = Number(d.toString().trim().split('\n').pop());
        w.lastProgress = Date.now();
      });
      proc.stderr.on('data', (d: Buffer) => (w.stderr += d.toString()));
      proc.once('exit', () => (w.exitedEarly = !stopping));
      return w;
    });
    const hung = new Set<Watched>();
    const start = Date.now();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        for (const w of watched) if (Date.now() - w.lastProgress > WATCHDOG_MS) hung.add(w);
        if (Date.now() - start >= RUN_MS) {
          clearInterval(timer);
          resolve();
        }
      }, 200);
    });
    stopping = true;
    await Promise.all(
      watched.map(
        (w) =>
          new Promise((r) =>
            w.proc.exitCode !== null ? r(null) : (w.proc.once('exit', r), w.proc.kill('SIGKILL')),
          ),
      ),
    );

    const report = watched.map((w) => `${w.count} steps${hung.has(w) ? ' (hung)' : ''}`).join(', ');
    expect(
      watched.filter((w) => w.exitedEarly),
      `a child exited early: ${report}\n${watched.map((w) => w.stderr).join('\n')}`,
    ).toHaveLength(0);
    expect(hung.size, `processes with no progress for ${WATCHDOG_MS} ms: ${report}`).toBe(0);
    for (const w of watched) expect(w.count).toBeGreaterThan(0);
  }, 60_000);
});
