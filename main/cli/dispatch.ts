/**
 * The command table and the one way to run a command line, used by the `meow` process
 * and by a running `meow run` for commands forwarded to it.
 */
import { isMeowError, MeowError } from '../core/errors.js';
import type { Messenger } from '../core/messenger/messenger.js';
import { netRelays } from '../net/relayFactory.js';
import { CliError, UsageError } from './args.js';
import { cmdAccept, cmdContact, cmdContacts, cmdInvite } from './commands/contacts.js';
import { cmdDevices, cmdPair } from './commands/devices.js';
import { cmdInit, cmdProfile, cmdServers } from './commands/identity.js';
import { cmdMessages, cmdRun, cmdSend, cmdSync } from './commands/messages.js';
import { createContext, ProfileBusy, type CliContext } from './context.js';
import { forwardToRunning, serveControlSocket } from './daemon.js';
import type { CliIO } from './io.js';
import { USAGE, VERSION } from './usage.js';

type Command = (ctx: CliContext, argv: string[]) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  init: cmdInit,
  invite: cmdInvite,
  accept: cmdAccept,
  send: cmdSend,
  sync: cmdSync,
  run: (ctx, argv) =>
    // The control socket runs forwarded commands on this process's live messenger.
    cmdRun(ctx, argv, (m, password) =>
      serveControlSocket(ctx.profile, m, (args, io, messenger, pw, asJson) =>
        runCli([...(asJson ? ['--json'] : []), '--profile', ctx.profile, ...args], io, {
          messenger,
          password: pw ?? password,
        }),
      ),
    ),
  messages: cmdMessages,
  contacts: cmdContacts,
  contact: cmdContact,
  profile: cmdProfile,
  servers: cmdServers,
  pair: cmdPair,
  devices: cmdDevices,
};

/** Commands a running `meow run` may execute for another terminal. */
const FORWARDABLE = new Set([
  'invite',
  'accept',
  'send',
  'sync',
  'messages',
  'contacts',
  'contact',
  'profile',
  'servers',
  'pair',
  'devices',
]);

/** Pulls the global options out from anywhere in argv. */
function globals(argv: string[]): { profile?: string; json: boolean; verbose: boolean; rest: string[] } {
  const rest: string[] = [];
  let profile: string | undefined;
  let json = false;
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--verbose') verbose = true;
    else if (a === '--profile') {
      profile = argv[++i];
      if (!profile) throw new UsageError('--profile needs a folder');
    } else if (a.startsWith('--profile=')) profile = a.slice('--profile='.length);
    else rest.push(a);
  }
  return { profile, json, verbose, rest };
}

export async function runCli(
  argv: string[],
  io: CliIO,
  live?: { messenger: Messenger; password: string },
): Promise<number> {
  let json = false;
  try {
    const g = globals(argv);
    json = g.json;
    const [name, ...rest] = g.rest;
    if (!name || name === 'help' || name === '--help' || name === '-h') {
      io.stdout(USAGE + '\n');
      return name ? 0 : 2;
    }
    if (name === '--version' || name === 'version') {
      io.stdout(`meow ${VERSION}\n`);
      return 0;
    }
    const cmd = COMMANDS[name];
    if (!cmd) throw new UsageError(`unknown command "${name}"`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(
        USAGE.split('\n')
          .filter((l) => l.includes(` ${name}`) || l.startsWith('usage'))
          .join('\n') + '\n',
      );
      return 0;
    }
    if (live && !FORWARDABLE.has(name))
      throw new UsageError(`"${name}" cannot run inside \`meow run\`; stop it first`);
    const ctx = createContext({
      profile: g.profile,
      json: g.json,
      verbose: g.verbose,
      relays: netRelays,
      io,
      live: live?.messenger,
      password: live?.password,
    });
    try {
      await cmd(ctx, rest);
    } catch (e) {
      if (!(e instanceof ProfileBusy)) throw e;
      if (!FORWARDABLE.has(name)) {
        throw new MeowError('PROFILE_LOCKED', { profile: ctx.profile });
      }
      const code = await forwardToRunning(
        ctx.profile,
        { argv: [name, ...rest], password: e.password, json: g.json },
        io,
      );
      if (code === null) throw new MeowError('PROFILE_LOCKED', { profile: ctx.profile });
      return code;
    }
    return 0;
  } catch (e) {
    if (e instanceof CliError) {
      if (json) io.stderr(JSON.stringify({ error: e.code, message: e.message }) + '\n');
      else io.stderr(`meow: ${e.message}\n`);
      return 1;
    }
    if (e instanceof UsageError) {
      io.stderr(`meow: ${e.message} (see \`meow help\`)\n`);
      return 2;
    }
    const known = isMeowError(e) ? e : null;
    const message = known ? known.message : `unexpected error: ${(e as Error)?.stack ?? String(e)}`;
    if (json)
      io.stderr(
        JSON.stringify({ error: known ? known.code : 'INTERNAL', message, params: known?.params ?? {} }) +
          '\n',
      );
    else io.stderr(`meow: ${message}\n`);
    return 1;
  }
}
