/**
 * What every end-to-end test starts: a real relay (`meow-server`), real browser hosts
 * (`node dist/web.js`, each with its own temporary profile), and Debian's Chromium with a
 * fresh profile. Everything is torn down by `close()`. Screenshots of every screen go to
 * test-results/screenshots/<test>/; with MEOW_README_SHOTS=1 the README's also go to
 * docs/screenshots/.
 */
import { chromium, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnServer, type ServerProcess } from '../test/helpers/serverProcess.js';
import { y4mFromLuma } from './y4m.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const PASSWORD = 'correct horse battery staple';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Every process a harness starts is killed when this worker exits, whatever happened: a test
 * that timed out may not get through close() (its relay and hosts were seen outliving it).
 */
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});
function outlive(proc: ChildProcess): void {
  started.add(proc);
  proc.once('exit', () => started.delete(proc));
}

export interface Host {
  name: string;
  url: string;
  profile: string;
  stop(): Promise<void>;
  output(): string;
}

export interface Machine {
  host: Host;
  page: Page;
  context: BrowserContext;
}

export class Harness {
  private readonly dir = mkdtempSync(join(tmpdir(), 'meow-e2e-'));
  private readonly closers: (() => Promise<unknown>)[] = [];
  private shots = 0;
  private readonly hosts: Host[] = [];
  readonly shotDir: string;

  constructor(readonly testName: string) {
    this.shotDir = join(ROOT, 'test-results', 'screenshots', testName);
    rmSync(this.shotDir, { recursive: true, force: true });
    mkdirSync(this.shotDir, { recursive: true });
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  async relay(): Promise<ServerProcess> {
    const server = await spawnServer(['--data', this.path(`relay-${this.closers.length}`), '--rate', '0']);
    outlive(server.proc);
    this.closers.push(() => server.stop());
    return server;
  }

  /** A browser host on a new temporary profile, started the way a person starts it. */
  host(name: string): Promise<Host> {
    const profile = this.path(`profile-${name}`);
    return new Promise((resolve, reject) => {
      const proc: ChildProcess = spawn(
        process.execPath,
        [join(ROOT, 'dist/web.js'), '--profile', profile, '--port', '0'],
        {
          env: { ...process.env, MEOW_KDF_LOGN: '10' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      outlive(proc);
      let out = '';
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      const stop = async () => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      };
      this.closers.push(stop);
      const timer = setTimeout(() => reject(new Error(`host ${name} did not start:\n${out}`)), 30_000);
      proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /running at (http:\/\/127\.0\.0\.1:\d+\/#boot=\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          const host = { name, url: m[1]!, profile, stop, output: () => out };
          this.hosts.push(host);
          resolve(host);
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`host ${name} exited with ${code}:\n${out}`));
      });
    });
  }

  /** Debian's Chromium, headless, fresh profile; `camera`: a fake webcam playing that .y4m file. */
  async browser(opts: { camera?: string } = {}): Promise<Browser> {
    const args = [...CHROMIUM_ARGS];
    if (opts.camera) {
      args.push(
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-video-capture=${opts.camera}`,
      );
    }
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
    this.closers.push(() => browser.close());
    return browser;
  }

  /** Opens a host's printed URL in a new context of `browser`; page errors fail the test. */
  async open(browser: Browser, host: Host, opts: { dark?: boolean } = {}): Promise<Machine> {
    const context = await browser.newContext({
      viewport: { width: 1200, height: 780 },
      colorScheme: opts.dark ? 'dark' : 'light',
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`${host.name}: ${e.message}`));
    this.closers.push(async () => {
      expect(errors, 'errors in the page').toEqual([]);
    });
    await page.goto(host.url);
    return { host, page, context };
  }

  /** A screenshot of what `m` shows now. `readme`: also the README's picture of that name. */
  async shot(m: Machine | Page, screen: string, readme?: string): Promise<void> {
    const page = 'page' in m ? m.page : m;
    const who = 'host' in m ? `${m.host.name}-` : '';
    const file = join(this.shotDir, `${String(++this.shots).padStart(2, '0')}-${who}${screen}.png`);
    await page.screenshot({ path: file });
    if (readme && process.env['MEOW_README_SHOTS'] === '1') {
      mkdirSync(join(ROOT, 'docs/screenshots'), { recursive: true });
      copyFileSync(file, join(ROOT, 'docs/screenshots', `${readme}.png`));
    }
  }

  /** Writes what a QR canvas on `page` shows as the fake camera's video file. */
  async cameraFromQr(page: Page, testId: string, file: string): Promise<void> {
    const { luma, width, height } = await page.getByTestId(testId).evaluate((el) => {
      const c = el as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const luma: number[] = [];
      for (let i = 0; i < data.length; i += 4)
        luma.push(Math.round(0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!));
      return { luma, width: c.width, height: c.height };
    });
    writeFileSync(file, y4mFromLuma(luma, width, height));
  }

  async close(): Promise<void> {
    const errors: unknown[] = [];
    // MEOW_E2E_LOGS=1: each host's output (the service's log) next to the screenshots.
    if (process.env['MEOW_E2E_LOGS'] === '1') {
      for (const host of this.hosts) writeFileSync(join(this.shotDir, `${host.name}.log`), host.output());
    }
    for (const close of this.closers.reverse()) {
      try {
        await close();
      } catch (e) {
        errors.push(e);
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
    if (errors.length) throw errors[0];
  }
}
