/**
 * `npm run web` as a real process (dist/web.js, so `npm run build` must have run): a
 * browser host on a profile folder, ready when it prints the address to open.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WEB = fileURLToPath(new URL('../../dist/web.js', import.meta.url));

export interface WebHostProcess {
  /** The printed address (with its secret). */
  url: string;
  port: number;
  proc: ChildProcess;
  output(): string;
  /** Whether the process is still running. */
  alive(): boolean;
  stop(): Promise<void>;
}

export function spawnWebHost(profile: string, args: string[] = []): Promise<WebHostProcess> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [WEB, '--profile', profile, ...args], {
      env: { ...process.env, MEOW_KDF_LOGN: '10' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`the web host did not start:\n${out}`));
    }, 30_000);
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/127\.0\.0\.1:(\d+)\/\S*)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[1]!,
        port: Number(m[2]),
        proc,
        output: () => out,
        alive: () => proc.exitCode === null && proc.signalCode === null,
        stop: async () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
          const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(t);
        },
      });
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the web host exited with ${code}:\n${out}`));
    });
  });
}
