/** A small, strict argument parser: unknown flags are errors, never silently ignored. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A sentence about the terminal session itself (no password given, a question declined): exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly code = 'CLI',
  ) {
    super(message);
  }
}

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

/**
 * `spec` lists the flags a command takes: name → 'value' | 'bool'.
 * Accepts `--flag value`, `--flag=value` and booleans `--flag`.
 */
export function parseArgs(argv: string[], spec: Record<string, 'value' | 'bool'>): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq === -1 ? undefined : eq);
      const kind = spec[name];
      if (!kind) throw new UsageError(`unknown option --${name}`);
      if (kind === 'bool') {
        if (eq !== -1) throw new UsageError(`--${name} takes no value`);
        flags.set(name, true);
      } else {
        const value = eq !== -1 ? a.slice(eq + 1) : argv[++i];
        if (value === undefined) throw new UsageError(`--${name} needs a value`);
        flags.set(name, value);
      }
    } else {
      positionals.push(a);
    }
  }
  return { positionals, flags };
}

export function flagValue(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function requireFlag(args: ParsedArgs, name: string, what: string): string {
  const v = flagValue(args, name);
  if (!v) throw new UsageError(`${what}: --${name} is required`);
  return v;
}
