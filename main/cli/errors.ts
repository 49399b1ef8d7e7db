/**
 * The CLI's own failures. Everything the service refuses arrives as a ServiceError
 * (shared/errors.ts) and is printed with the shared catalogue's sentence; these two
 * cover what only a terminal session can get wrong.
 */

/** The command line itself is wrong (unknown option, missing argument): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** The command whose help to point at (`meow help CMD`), if known. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** A sentence about the terminal session itself (a question declined, passwords that differ): exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly code = 'CLI',
    readonly params: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** A hint for one error, decided where more is known than its code (see hints.ts for the usual ones). */
const hintOverrides = new WeakMap<object, string>();

export function withHint<E extends Error>(e: E, hint: string): E {
  hintOverrides.set(e, hint);
  return e;
}

export function hintOverride(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? hintOverrides.get(e) : undefined;
}
