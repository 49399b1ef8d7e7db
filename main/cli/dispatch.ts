/**
 * argv → command: the global options, the command table (util.parseArgs, strict), per
 * command help, and how errors are printed (the shared catalogue's sentence, a CLI hint
 * where one helps; with --json, `{error, message, params}` on stderr). Exit codes: 0 ok,
 * 1 error, 2 usage.
 */
import { parseArgs } from 'node:util';
import { isServiceError } from '../../shared/errors.js';
import { createContext, type CliContext } from './context.js';
import { CliError, hintOverride, UsageError } from './errors.js';
import { HINTS } from './hints.js';
import type { CliIO } from './io.js';
import type { CommandSpec, OptionSpec, Parsed } from './spec.js';
import { COMMANDS, commandHelp, familyHelp, USAGE, VERSION } from './table.js';

const GLOBAL: Record<string, OptionSpec> = {
  profile: { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
/** Options that may follow the text of `send` (they are the person's, not the text's). */
const GLOBAL_AFTER_TEXT = new Set(['profile', 'json', 'verbose']);

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
  return d[a.length]![b.length]!;
}

function didYouMean(word: string, candidates: string[]): string {
  const best = candidates
    .map((c) => ({ c, d: distance(word, c) }))
    .filter((x) => x.d <= 2 && x.d < word.length)
    .sort((a, b) => a.d - b.d)[0];
  return best ? `; did you mean ${best.c}?` : '';
}

/** util.parseArgs, strict, with its errors as usage errors that name the option. */
function parseStrict(args: string[], options: Record<string, OptionSpec>, command?: string): Parsed {
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: r.values as Parsed['values'], positionals: r.positionals };
  } catch (e) {
    const err = e as Error & { code?: string };
    const option = /'(-{1,2}[^',<\s]+)/.exec(err.message)?.[1] ?? '';
    const where = command ? `${command}: ` : '';
    switch (err.code) {
      case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
        const names = Object.keys(options).map((o) => `--${o}`);
        throw new UsageError(`${where}unknown option ${option}${didYouMean(option, names)}`, command);
      }
      case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
        if (/argument missing/.test(err.message))
          throw new UsageError(`${where}${option} needs a value`, command);
        if (/does not take an argument/.test(err.message))
          throw new UsageError(`${where}${option} takes no value`, command);
        throw new UsageError(
          `${where}${option} needs a value; one that starts with - is written ${option}=VALUE`,
          command,
        );
      default:
        throw new UsageError(`${where}${err.message}`, command);
    }
  }
}

function optionsOf(spec: CommandSpec): Record<string, OptionSpec> {
  return { ...GLOBAL, ...spec.options };
}

/** Index of the first word in `rest` that is neither an option nor an option's value (-1: none before `--`). */
function firstWord(rest: string[], options: Record<string, OptionSpec>): number {
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--') return -1;
    if (a.startsWith('-') && a !== '-') {
      if (a.startsWith('--') && !a.includes('=') && options[a.slice(2)]?.type === 'string') i++;
      continue;
    }
    return i;
  }
  return -1;
}

type Found = { spec: CommandSpec; rest: string[] } | { family: CommandSpec[]; rest: string[] };

/** The command a name (and, for pair/devices/servers, the word after it) stands for. */
function findCommand(name: string, rest: string[]): Found {
  const family = COMMANDS.filter((c) => c.name === name || c.name.startsWith(name + ' '));
  if (family.length === 0) {
    const names = [...new Set(COMMANDS.map((c) => c.name.split(' ')[0]!)), 'help'];
    throw new UsageError(`unknown command "${name}"${didYouMean(name, names)}`);
  }
  const bare = family.find((c) => c.name === name);
  if (family.length === 1) return { spec: bare!, rest };
  const allOptions = Object.assign({}, GLOBAL, ...family.map((c) => c.options ?? {})) as Record<
    string,
    OptionSpec
  >;
  const at = firstWord(rest, allOptions);
  const sub = at === -1 ? undefined : family.find((c) => c.name === `${name} ${rest[at]}`);
  if (sub) return { spec: sub, rest: rest.filter((_, i) => i !== at) };
  if (bare && (at === -1 || (bare.positionals?.length ?? 0) > 0)) return { spec: bare, rest };
  if (at !== -1) {
    const subs = family.filter((c) => c !== bare).map((c) => c.name.split(' ')[1]!);
    throw new UsageError(`${name}: unknown subcommand "${rest[at]}" (${subs.join(', ')})`, name);
  }
  return { family, rest };
}

/**
 * Before the strict parse: is help asked for, and does the free text of `send` start with
 * a "-" without `--` before it? (Then it is a usage error that says so: never help, never a
 * silent send of something else.)
 */
function precheck(spec: CommandSpec, rest: string[]): { help: boolean } {
  const { tokens } = parseArgs({
    args: rest,
    options: optionsOf(spec),
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  let positionals = 0;
  let help = false;
  for (const t of tokens) {
    if (t.kind === 'option-terminator') break;
    if (t.kind === 'positional') positionals++;
    else if (
      spec.textFrom !== undefined &&
      positionals >= spec.textFrom &&
      !GLOBAL_AFTER_TEXT.has(t.name) &&
      // the command's own options may come before the text starts (meow send Bob --file x caption)
      !(positionals === spec.textFrom && spec.options && Object.hasOwn(spec.options, t.name))
    ) {
      const before = rest.slice(0, rest.indexOf(t.rawName)).join(' ');
      throw new UsageError(
        `${spec.name}: "${t.rawName}" is read as an option; if it is part of the text, put -- before the text (meow ${spec.name} ${before} -- ${t.rawName} …)`,
        spec.name,
      );
    } else if (t.name === 'help') help = true;
  }
  return { help };
}

function checkPositionals(spec: CommandSpec, positionals: string[]): void {
  const names = spec.positionals ?? [];
  const required = names.filter((n) => !n.startsWith('['));
  const rest = names.at(-1)?.endsWith('...') ?? false;
  if (positionals.length < required.length) {
    const missing = required.slice(positionals.length).map((n) => n.replace('...', ''));
    throw new UsageError(
      `${spec.name}: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required`,
      spec.name,
    );
  }
  if (!rest && positionals.length > names.length)
    throw new UsageError(`${spec.name}: unexpected argument "${positionals[names.length]}"`, spec.name);
}

function printError(io: CliIO, json: boolean, verbose: boolean, e: unknown): number {
  if (e instanceof UsageError) {
    const see = `see \`meow help${e.command ? ' ' + e.command : ''}\``;
    if (json)
      io.stderr(JSON.stringify({ error: 'USAGE', message: `${e.message} (${see})`, params: {} }) + '\n');
    else io.stderr(`meow: ${e.message} (${see})\n`);
    return 2;
  }
  let code: string;
  let message: string;
  let params: unknown;
  let hint: string | undefined;
  if (e instanceof CliError) {
    ({ code, message, params } = e);
  } else if (isServiceError(e)) {
    ({ code, message, params } = e);
    hint = hintOverride(e) ?? HINTS[e.code];
  } else {
    // A bug, not something the person did: one sentence (the stack with --verbose).
    code = 'INTERNAL';
    const detail = e instanceof Error ? e.message : String(e);
    message = `Something went wrong inside Meow (${detail}).`;
    params = { detail };
    if (verbose && e instanceof Error && e.stack) io.stderr(e.stack + '\n');
  }
  hint ??= hintOverride(e);
  if (json) io.stderr(JSON.stringify({ error: code, message, params, ...(hint ? { hint } : {}) }) + '\n');
  else io.stderr(`meow: ${message}${hint ? ' ' + hint : ''}\n`);
  return 1;
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  let json = options.includes('--json');
  const verbose = options.includes('--verbose');
  let ctx: CliContext | undefined;
  try {
    // The global options before the command; the first other word is the command.
    let i = 0;
    const before: string[] = [];
    for (; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '--') {
        i++;
        break;
      }
      if (!a.startsWith('-') || a === '-') break;
      before.push(a);
      if (a === '--profile' && i + 1 < argv.length) before.push(argv[++i]!);
    }
    const g = parseStrict(before, { ...GLOBAL, version: { type: 'boolean' } });
    const name = argv[i];
    if (g.values['version'] || name === 'version') {
      io.stdout(`meow ${VERSION}\n`);
      return 0;
    }
    if (name === undefined) {
      io.stdout(USAGE + '\n');
      return g.values['help'] ? 0 : 2;
    }
    const rest = argv.slice(i + 1);
    if (name === 'help') {
      const [first, ...more] = rest.filter((a) => !a.startsWith('-'));
      if (!first) io.stdout(USAGE + '\n');
      else {
        const found = findCommand(first, more);
        io.stdout(('spec' in found ? commandHelp(found.spec) : familyHelp(found.family)) + '\n');
      }
      return 0;
    }
    const found = findCommand(name, rest);
    if (!('spec' in found)) {
      if (g.values['help'] || found.rest.includes('--help') || found.rest.includes('-h')) {
        io.stdout(familyHelp(found.family) + '\n');
        return 0;
      }
      throw new UsageError(`${name}: which one? ${found.family.map((c) => c.name).join(', ')}`, name);
    }
    const { spec } = found;
    if (g.values['help'] || precheck(spec, found.rest).help) {
      io.stdout(commandHelp(spec) + '\n');
      return 0;
    }
    const args = parseStrict(found.rest, optionsOf(spec), spec.name);
    checkPositionals(spec, args.positionals);
    json = Boolean(g.values['json'] || args.values['json']);
    ctx = createContext({
      profile: (args.values['profile'] as string | undefined) ?? (g.values['profile'] as string | undefined),
      json,
      verbose: Boolean(g.values['verbose'] || args.values['verbose']),
      io,
    });
    await spec.run(ctx, args);
    return 0;
  } catch (e) {
    return printError(io, json, verbose, e);
  } finally {
    await ctx?.close().catch(() => undefined);
  }
}
