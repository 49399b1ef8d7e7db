/**
 * `meow send` as a process while `meow run` holds the profile: the command goes through
 * run's control socket (main/cli/control.ts). Measured from spawn to exit, against a bare
 * `node -e 0` from spawn to exit (what any Node command costs before it does anything).
 * Profiles use the production password cost (scrypt logN 17), as a person's do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, Row, Sample } from '../table.js';
import { clientDir, clientRelay } from './clientSetup.js';

// Resolved from the bundle (dist/bench.js).
const MEOW = fileURLToPath(new URL('../bin/meow.js', import.meta.url));
const ENV = { ...process.env, MEOW_PASSWORD: 'bench password 123' };

function exec(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function meow(profile: string, args: string[]): Promise<string> {
  const r = await exec([MEOW, '--profile', profile, '--json', ...args]);
  if (r.code !== 0) throw new Error(`meow ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Alice (with `meow run` holding her profile) and Bob, contacts. */
function running(ctx: BenchContext): Promise<{ alice: string; run: ChildProcess }> {
  return ctx.resource(
    'cli-run',
    async () => {
      const relay = await clientRelay(ctx);
      const dir = await clientDir(ctx);
      const alice = join(dir, 'cli-alice');
      const bob = join(dir, 'cli-bob');
      await meow(alice, ['init', '--name', 'Alice', '--server', relay.url]);
      await meow(bob, ['init', '--name', 'Bob', '--server', relay.url]);
      const { link } = JSON.parse(await meow(alice, ['invite', '--name', 'Bob'])) as { link: string };
      await meow(bob, ['accept', link, '--name', 'Alice']);
      await meow(alice, ['sync']);
      const run = spawn(process.execPath, [MEOW, '--profile', alice, 'run'], {
        env: ENV,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      await new Promise<void>((resolve, reject) => {
        let out = '';
        const seen = (d: Buffer) => {
          out += d.toString();
          if (/online/.test(out)) resolve();
        };
        run.stdout.on('data', seen);
        run.stderr.on('data', seen);
        run.once('exit', (code) => reject(new Error(`meow run exited (${code}): ${out}`)));
      });
      return { alice, run };
    },
    async ({ run }) => {
      run.kill('SIGTERM');
      await new Promise((r) => run.once('exit', r));
    },
  );
}

async function timed(n: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)]!;
}

async function sendThroughRun(ctx: BenchContext): Promise<Sample> {
  const { alice } = await running(ctx);
  return { value: await timed(ctx.scale(9, 5), () => meow(alice, ['send', 'Bob', 'hi from a script'])) };
}

export const cliRows: Row[] = [
  {
    id: 'cli.send',
    name: '`meow send` as a process through `meow run`',
    referenceName: 'bare `node -e 0`, spawn to exit',
    unit: 'ms',
    better: 'lower',
    measure: sendThroughRun,
    reference: async (ctx) => ({ value: await timed(ctx.scale(9, 5), () => exec(['-e', '0'])) }),
  },
];
