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
  env: NodeJS.ProcessEnv;
}

export const processIO: CliIO = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  interactive: process.stdin.isTTY === true,
  env: process.env,
};
