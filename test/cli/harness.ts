/**
 * Drives the real `meow` command (bin/meow.js over dist/: `npm run build` first) as
 * child processes, one profile folder per device, like scripts and users do.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/meow.js', import.meta.url));

export const CLI_ENV = { MEOW_PASSWORD: 'cli test password', MEOW_KDF_LOGN: '12' };

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A `meow` process, started and not awaited. */
export function startMeow(
  profile: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { proc: ChildProcess; done: Promise<CliResult> } {
  return watchMeow(profile, args, env);
}

export function meow(profile: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startMeow(profile, args, env).done;
}

/** Runs a command that must succeed; returns its parsed --json output. */
export async function meowJson<T = unknown>(
  profile: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<T> {
  const r = await meow(profile, ['--json', ...args], env);
  if (r.code !== 0) throw new Error(`meow ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export interface MessageJson {
  uuid: string;
  outbound: boolean;
  text: string;
  status: string;
  sentAt: number;
}

/** Syncs the given profiles in turn until a whole round moves nothing. */
export async function settleCli(...profiles: string[]): Promise<void> {
  for (let round = 0; round < 30; round++) {
    let moved = 0;
    for (const p of profiles) {
      const r = await meowJson<{ sent: number; received: number }>(p, ['sync']);
      moved += r.sent + r.received;
    }
    if (moved === 0) return;
  }
  throw new Error('profiles did not settle');
}

/** Two CLI profiles that are each other's contacts (named after each other). */
export async function cliFriends(
  url: string,
  a: { dir: string; name: string },
  b: { dir: string; name: string },
): Promise<void> {
  await meowJson(a.dir, ['init', '--name', a.name, '--server', url]);
  await meowJson(b.dir, ['init', '--name', b.name, '--server', url]);
  const { link } = await meowJson<{ link: string }>(a.dir, ['invite', '--name', b.name]);
  await meowJson(b.dir, ['accept', link, '--name', a.name]);
  await settleCli(b.dir, a.dir);
}

/** Resolves once `check()` holds (polled every 100 ms; rejects after `ms`). */
export async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A `meow` process whose output can be watched while it runs (`meow run`). */
export function watchMeow(
  profile: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { proc: ChildProcess; done: Promise<CliResult>; stdout(): string; stderr(): string } {
  const proc = spawn(process.execPath, [BIN, '--profile', profile, ...args], {
    env: { ...process.env, ...CLI_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { proc, done, stdout: () => stdout, stderr: () => stderr };
}

/** `script` (util-linux) runs a command on a pseudo-terminal: how a test answers `meow`'s questions. */
export const hasScript = spawnSync('script', ['--version']).status === 0;

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Runs `meow` in a terminal (a pty from `script`) and answers each question as it is
 * asked: `answers[i]` once the output matches `/\[y\/N\]/` for the i-th time.
 */
export function meowInTerminal(
  profile: string,
  args: string[],
  answers: string[],
  opts: { env?: NodeJS.ProcessEnv; onOutput?: (output: string) => void } = {},
): Promise<{ code: number | null; output: string }> {
  const env = opts.env ?? {};
  const command = [process.execPath, BIN, '--profile', profile, ...args].map(shellQuote).join(' ');
  const proc = spawn('script', ['-qec', command, '/dev/null'], {
    env: { ...process.env, ...CLI_ENV, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let asked = 0;
  const onData = (d: Buffer) => {
    output += d.toString();
    const questions = output.match(/\[y\/N\]/g)?.length ?? 0;
    while (asked < questions && asked < answers.length) proc.stdin.write(answers[asked++] + '\n');
    opts.onOutput?.(output);
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  return new Promise((resolve) => proc.once('exit', (code) => resolve({ code, output })));
}
