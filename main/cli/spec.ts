/** One `meow` command as the command table knows it: its usage, its options (util.parseArgs) and its code. */
import type { CliContext } from './context.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** May be given more than once (`--file a --file b`): the value is a list. */
  multiple?: boolean;
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export interface CommandSpec {
  /** 'send', 'pair accept', 'devices' … */
  name: string;
  /** What follows the name in the usage line: 'CONTACT [--] TEXT...'. */
  synopsis: string;
  /** The usage line's description. */
  summary: string;
  /** More lines for `meow help NAME` / `meow NAME --help`. */
  help?: string[];
  options?: Record<string, OptionSpec>;
  /** Positional names: 'X' required, '[X]' optional, a last 'X...' takes the rest. */
  positionals?: string[];
  /**
   * Positionals from this index on are free text: an option-looking word there is not an
   * option (and never --help) but a usage error that tells to put `--` before the text.
   */
  textFrom?: number;
  run(ctx: CliContext, args: Parsed): Promise<void>;
}

export function str(args: Parsed, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Every value of a `multiple` option, in order. */
export function list(args: Parsed, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function flag(args: Parsed, name: string): boolean {
  return args.values[name] === true;
}
