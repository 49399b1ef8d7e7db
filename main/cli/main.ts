/**
 * `meow`: the messenger core from a terminal, one profile folder per device.
 * The command line is a contract (scripts and tests drive it): extend it, never rename.
 */
import { MeowError } from '../core/errors.js';
import { netRelays } from '../net/relayFactory.js';
import { UsageError } from './args.js';
import { cmdAccept, cmdContact, cmdContacts, cmdInvite } from './commands/contacts.js';
import { cmdDevices, cmdPair, cmdServers } from './commands/devices.js';
import { cmdInit, cmdProfile } from './commands/identity.js';
import { cmdMessages, cmdRun, cmdSend, cmdSync } from './commands/messages.js';
import { createContext, type CliContext } from './context.js';

const USAGE = `usage: meow [--profile DIR] [--json] [--verbose] COMMAND
  (password from MEOW_PASSWORD, else a prompt; DIR defaults to $MEOW_PROFILE or ~/.meow)

  init --name NICK --server URL        create the identity; refuses if DIR already has one
  invite --name CONTACT [--long]       print the invitation link as the last line (QR above it unless --json)
  accept LINK --name CONTACT           answer an invitation
  send CONTACT TEXT                    store and queue (CONTACT = name or uid)
  sync [--wait SECONDS]                send the outbox, pull, process, ack, repeat until nothing is left
  run                                  keep the loops running until SIGINT/SIGTERM
  messages CONTACT [--mark-read]       the conversation, oldest first
  contacts                             the visible contacts
  contact CONTACT [--rename N] [--block|--unblock] [--delivery-receipts on|off] [--read-receipts on|off]
  profile [--name N] [--status S]      show or change the profile
  servers [add URL]                    my message servers (added ones reach my other devices)

  pair new --server URL [--device-name NAME]     on the new machine: print the pairing link (last line)
  pair accept LINK [--device-name NAME] [--yes] [--history-days N]
                                                 on the machine with your contacts: safety code, confirm, sync
  pair status [--wait SECONDS]                   waiting / code / syncing (progress) / done
  devices                                        my devices (name, last seen, primary for how many contacts)
  devices unlink DEVICE                          unlink a device: it is told, its keys are dropped
  devices make-primary [CONTACT]                 on a sibling: take over the primary role`;

type Command = (ctx: CliContext, argv: string[]) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  init: cmdInit,
  invite: cmdInvite,
  accept: cmdAccept,
  send: cmdSend,
  sync: cmdSync,
  run: cmdRun,
  messages: cmdMessages,
  contacts: cmdContacts,
  contact: cmdContact,
  profile: cmdProfile,
  pair: cmdPair,
  devices: cmdDevices,
  servers: cmdServers,
};

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

export async function main(argv: string[]): Promise<number> {
  let json = false;
  try {
    const g = globals(argv);
    json = g.json;
    const [name, ...rest] = g.rest;
    if (!name || name === 'help' || name === '--help' || name === '-h') {
      process.stdout.write(USAGE + '\n');
      return name ? 0 : 2;
    }
    const cmd = COMMANDS[name];
    if (!cmd) throw new UsageError(`unknown command "${name}"`);
    await cmd(
      createContext({ profile: g.profile, json: g.json, verbose: g.verbose, relays: netRelays }),
      rest,
    );
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`meow: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    const message =
      e instanceof MeowError ? e.message : `unexpected error: ${(e as Error)?.stack ?? String(e)}`;
    if (json)
      process.stderr.write(
        JSON.stringify({ error: e instanceof MeowError ? e.code : 'INTERNAL', message }) + '\n',
      );
    else process.stderr.write(`meow: ${message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
