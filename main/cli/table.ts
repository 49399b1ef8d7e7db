/** The `meow` command table, and the usage text `meow help` prints (generated from it). */
import { accept, contact, contactDelete, contacts, invite } from './commands/contacts.js';
import {
  devices,
  devicesMakePrimary,
  devicesRename,
  devicesUnlink,
  pairAccept,
  pairConfirm,
  pairNew,
  pairRefuse,
  pairStatus,
} from './commands/devices.js';
import { init, profile, servers, serversAdd } from './commands/identity.js';
import { save, storage } from './commands/files.js';
import { password, startOver } from './commands/profileCare.js';
import { inviteCancel, inviteShow } from './commands/invitations.js';
import { del, edit, react, reply } from './commands/actions.js';
import { conversation, conversationDelete, search } from './commands/conversation.js';
import { exportCmd } from './commands/export.js';
import { messages, run, send, sync } from './commands/messages.js';
import {
  groupAdd,
  groupCreate,
  groupInfo,
  groupLeave,
  groupMessages,
  groupPromote,
  groupRemove,
  groupRename,
  groups,
  groupSend,
} from './commands/groups.js';
import type { CommandSpec } from './spec.js';

export const VERSION = '0.1.0';

/** In the order `meow help` shows them; a blank line between the groups. */
const GROUPS: CommandSpec[][] = [
  [
    init,
    invite,
    accept,
    send,
    save,
    storage,
    sync,
    run,
    messages,
    contacts,
    contact,
    profile,
    servers,
    serversAdd,
  ],
  [reply, react, edit, del, conversation, search, exportCmd],
  [
    groupCreate,
    groupAdd,
    groupRemove,
    groupLeave,
    groupRename,
    groupPromote,
    groupInfo,
    groupSend,
    groupMessages,
    groups,
  ],
  [
    pairNew,
    pairAccept,
    pairConfirm,
    pairRefuse,
    pairStatus,
    devices,
    devicesRename,
    devicesUnlink,
    devicesMakePrimary,
    startOver,
  ],
  [password, inviteShow, inviteCancel, contactDelete, conversationDelete],
];

export const COMMANDS: readonly CommandSpec[] = GROUPS.flat();

const HEADER = `usage: meow [--profile DIR] [--json] [--verbose] COMMAND [ARGS]
  (password from MEOW_PASSWORD, else a prompt; DIR defaults to $MEOW_PROFILE or ~/.meow)
  \`meow help COMMAND\` or \`meow COMMAND --help\` shows one command; -- ends the options: what
  follows is text even when it starts with - (meow send Bob -- -h)`;

const COLUMN = 39;

/** One command's line(s) in the overview: the usage on the left, what it does on the right. */
export function usageLine(c: CommandSpec): string {
  const left = `  ${c.name}${c.synopsis ? ' ' + c.synopsis : ''}`;
  return left.length < COLUMN - 1
    ? left.padEnd(COLUMN) + c.summary
    : `${left}\n${' '.repeat(COLUMN)}${c.summary}`;
}

export const USAGE = [HEADER, ...GROUPS.map((g) => g.map(usageLine).join('\n'))].join('\n\n');

/** `meow help CMD` / `meow CMD --help`: that command only. */
export function commandHelp(c: CommandSpec): string {
  return [
    `usage: meow [--profile DIR] [--json] [--verbose] ${c.name}${c.synopsis ? ' ' + c.synopsis : ''}`,
    `  ${c.summary}`,
    ...(c.help ?? []).map((l) => `  ${l}`),
  ].join('\n');
}

/** `meow help pair`: every command of the family. */
export function familyHelp(family: CommandSpec[]): string {
  return ['usage: meow [--profile DIR] [--json] [--verbose] COMMAND [ARGS]', ...family.map(usageLine)].join(
    '\n',
  );
}
