/**
 * `meow`: the messenger from a terminal, one profile folder per device, on the core's
 * one API (MeowService). The command line is a contract (scripts and tests drive it):
 * extend it, never rename.
 */
import { runCli } from './dispatch.js';
import { processIO, type CliIO } from './io.js';

/** Runs `meow` with this process's arguments and terminal; `host` adds what the entry can do. */
export async function cliMain(host: Pick<CliIO, 'localRelay'> = {}): Promise<void> {
  // The command was still waiting when nothing was left that could wake it (a bug, e.g. a
  // lock never released; Node would exit with 13 and say nothing): one sentence, exit code 1.
  let finished = false;
  process.on('exit', (code) => {
    if (finished || code !== 0) return; // a crash has said its own piece
    const message = 'Something went wrong inside Meow (the command stopped waiting for itself).';
    process.stderr.write(
      process.argv.includes('--json')
        ? JSON.stringify({ error: 'INTERNAL', message, params: { detail: 'unsettled wait' } }) + '\n'
        : `meow: ${message}\n`,
    );
    process.exitCode = 1;
  });

  // The reader of our output went away (`meow invite | head -3`): stop quietly, as Unix tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    finished = true;
    process.exit(process.exitCode ?? 0);
  });

  process.exitCode = await runCli(process.argv.slice(2), { ...processIO, ...host });
  finished = true;
}
