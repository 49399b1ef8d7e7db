/**
 * The CLI as a person drives it:
 *   - `meow send` as a process while `meow run` holds the profile: the command goes through
 *     run's control socket (main/cli/control.ts). Measured from spawn to exit, against a bare
 *     `node -e 0` from spawn to exit (what any Node command costs before it does anything).
 *     Profiles use the production password cost (scrypt logN 17), as a person's do.
 *   - pairing a new computer to a profile holding 10,000 messages, `meow run` on both, from
 *     `pair accept` to the new device's pairing done with all of them stored (history per
 *     second), against the primitive bound of receiving a message. The password cost is
 *     lowered here (each command through `meow run` proves the password): this row measures
 *     the sync, not scrypt.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { storeHistory } from '../history.js';
import { Messenger } from '../../main/core/messenger/messenger.js';
import { netRelays } from '../../main/net/relayFactory.js';
import type { BenchContext, Row, Sample } from '../table.js';
import { clientDir, clientRelay } from './clientSetup.js';
import { primitiveBound } from './drain.js';

// Resolved from the bundle (dist/bench.js).
const MEOW = fileURLToPath(new URL('../bin/meow.js', import.meta.url));
const ENV = { ...process.env, MEOW_PASSWORD: 'bench password 123' };

function exec(
  args: string[],
  env: NodeJS.ProcessEnv = ENV,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function meow(profile: string, args: string[], env: NodeJS.ProcessEnv = ENV): Promise<string> {
  const r = await exec([MEOW, '--profile', profile, '--json', ...args], env);
  if (r.code !== 0) throw new Error(`meow ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** `meow run` on `profile`, once it says it is online. */
async function runOnline(profile: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const run = spawn(process.execPath, [MEOW, '--profile', profile, 'run'], {
    env,
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
  return run;
}

async function stopRun(run: ChildProcess): Promise<void> {
  if (run.exitCode !== null) return;
  run.kill('SIGTERM');
  await new Promise((r) => run.once('exit', r));
}

let pairings = 0;

async function pairingThroughCli(ctx: BenchContext): Promise<Sample> {
  const n = ctx.scale(10_000, 2_000);
  const env = { ...ENV, MEOW_KDF_LOGN: '12' };
  const relay = await clientRelay(ctx);
  const dir = join(await clientDir(ctx), `cli-pairing-${++pairings}`);
  const [alice, bob, laptop] = ['alice', 'bob', 'laptop'].map((p) => join(dir, p)) as [
    string,
    string,
    string,
  ];
  await meow(alice, ['init', '--name', 'Alice', '--server', relay.url, '--device-name', 'desktop'], env);
  await meow(bob, ['init', '--name', 'Bob', '--server', relay.url], env);
  const { link: invite } = JSON.parse(await meow(alice, ['invite', '--name', 'Bob'], env)) as {
    link: string;
  };
  await meow(bob, ['accept', invite, '--name', 'Alice'], env);
  await meow(alice, ['sync'], env);
  // The history, written straight into Alice's store.
  const m = await Messenger.open(alice, { password: ENV.MEOW_PASSWORD }, { relays: netRelays });
  storeHistory(m, m.findContact('Bob').uid, n);
  await m.close();
  const fresh = await exec(
    [MEOW, '--profile', laptop, 'pair', 'new', '--server', relay.url, '--device-name', 'laptop'],
    env,
  );
  if (fresh.code !== 0) throw new Error(`pair new: ${fresh.stderr}`);
  const link = fresh.stdout.trimEnd().split('\n').at(-1)!;
  const runs = [await runOnline(alice, env), await runOnline(laptop, env)];
  try {
    const status = async () =>
      JSON.parse(await meow(laptop, ['pair', 'status'], env)) as { phase: string; done: number };
    const t0 = performance.now();
    const accepting = meow(alice, ['pair', 'accept', link, '--yes', '--history-days', '30'], env);
    while ((await status()).phase !== 'code') await new Promise((r) => setTimeout(r, 50));
    await accepting;
    await meow(laptop, ['pair', 'confirm'], env);
    while ((await status()).phase !== 'done') await new Promise((r) => setTimeout(r, 50));
    const s = (performance.now() - t0) / 1000;
    const got = (JSON.parse(await meow(laptop, ['messages', 'Bob'], env)) as unknown[]).length;
    if (got < n) throw new Error(`the new device shows ${got} of ${n}`);
    return { value: n / s, detail: `${n} messages in ${s.toFixed(1)} s` };
  } finally {
    for (const r of runs) await stopRun(r);
  }
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
      const run = await runOnline(alice, ENV);
      return { alice, run };
    },
    ({ run }) => stopRun(run),
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
  {
    id: 'pairing.cli',
    name: 'pairing a computer from the CLI (`meow run` on both), 10,000 messages of history',
    referenceName: 'primitive bound of receiving',
    unit: 'msg/s',
    better: 'higher',
    measure: pairingThroughCli,
    reference: (ctx) => ctx.memo('bound-1000', () => primitiveBound(ctx, 1000)),
  },
];
