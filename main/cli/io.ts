import type { LocalRelayStarter } from '../core/service/service.js';

/**
 * Where a command's output goes and where its input comes from: the terminal for a
 * normal `meow` process, or a control socket when a running `meow run` executes a
 * command on behalf of another terminal (see daemon.ts).
 */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** True when a person can be asked (hidden password prompt, yes/no). */
  interactive: boolean;
  /** True when stdout is a terminal (colours are for terminals; a file or pipe gets plain text). */
  stdoutTty?: boolean;
  env: NodeJS.ProcessEnv;
  /** How this process hosts a relay of its own ("host a relay on this computer"), if it can. */
  localRelay?: LocalRelayStarter;
}

export const processIO: CliIO = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  interactive: process.stdin.isTTY === true,
  stdoutTty: process.stdout.isTTY === true,
  env: process.env,
};
