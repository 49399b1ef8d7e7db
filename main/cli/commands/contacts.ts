/** invite, accept, contacts, contact, contact delete */
import type { MeowService } from '../../../shared/service.js';
import type { ContactView, ConversationView, InviteView } from '../../../shared/views.js';
import type { CliContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { contactsNamed, terminalText } from '../../../shared/text.js';
import { contactJson } from '../format.js';
import { flag, str, type CommandSpec } from '../spec.js';
import { required, resolveContact } from './resolve.js';

/** The link as a QR code: coloured for a terminal, plain block characters for a file or a pipe. */
export async function terminalQr(text: string, tty: boolean): Promise<string> {
  const { default: QRCode } = await import('qrcode'); // only the commands that show a code load it
  return QRCode.toString(text, { type: tty ? 'terminal' : 'utf8', small: true, errorCorrectionLevel: 'L' });
}

/** A server of this profile that the last attempt could not reach, if any. */
export async function unreachableServer(s: MeowService): Promise<string | null> {
  const down = (await s.connections()).find((c) => !c.online && c.error);
  return down?.server ?? null;
}

export const invite: CommandSpec = {
  name: 'invite',
  synopsis: '--name CONTACT [--long] | --again CONTACT [--long]',
  summary: 'print the invitation link as the last line (QR above it unless --json)',
  help: [
    'CONTACT is what you will call them. --long: a link that carries everything itself (no server lookup).',
    '--again CONTACT: a new invitation for a contact whose device was unlinked (or who never answered); the conversation is kept.',
  ],
  options: { name: { type: 'string' }, again: { type: 'string' }, long: { type: 'boolean' } },
  async run(ctx, args) {
    const again = str(args, 'again');
    const name = again ?? required(args.values, 'name', 'invite');
    const s = await ctx.open();
    const long = flag(args, 'long');
    if (!again) warnSameName(ctx, await s.contacts(), name);
    const inv = again
      ? await s.reinvite((await resolveContact(s, again)).id, { long })
      : await s.invite({ name, long });
    await printInvitation(ctx, name, inv);
  },
};

/** A warning on stderr (the command goes on) when a contact already has one of `names`. */
function warnSameName(ctx: CliContext, existing: ContactView[], ...names: string[]): void {
  const same = names.map((n) => contactsNamed(n, existing)[0]).find((c) => c !== undefined);
  if (!same) return;
  ctx.note(
    `You already have a contact named ${terminalText(same.name)} [${same.id}]: if this is the same person, ` +
      'this makes a second, separate contact.',
  );
}

/** The QR code (unless --json) and the link as the last line, as `meow invite` prints them. */
export async function printInvitation(ctx: CliContext, name: string, inv: InviteView): Promise<void> {
  if (ctx.json) {
    ctx.out('', { link: inv.link, uid: inv.contactId, expiresAt: inv.expiresAt });
    return;
  }
  ctx.print(await terminalQr(inv.link, ctx.io.stdoutTty === true));
  const shown = terminalText(name);
  ctx.print(
    `Invitation for ${shown}, valid until ${new Date(inv.expiresAt).toLocaleString()}.\n` +
      `${shown} scans the code, or runs: meow accept LINK\n${inv.link}\n`,
  );
}

export const accept: CommandSpec = {
  name: 'accept',
  synopsis: 'LINK [--name CONTACT]',
  summary: 'answer an invitation (CONTACT: what you call them; default: their name)',
  options: { name: { type: 'string' } },
  positionals: ['LINK'],
  async run(ctx, args) {
    const s = await ctx.open();
    const name = str(args, 'name');
    const c = await s.acceptInvite({ link: args.positionals[0]!, ...(name !== undefined ? { name } : {}) });
    const others = (await s.contacts()).filter((o) => o.id !== c.id);
    warnSameName(ctx, others, c.name, c.theirName);
    const down = await unreachableServer(s);
    const how = down
      ? ` Your answer waits until the server at ${down} can be reached (${ctx.remote ? 'the running `meow run` sends it' : '`meow sync` or `meow run` sends it'}).`
      : ' Your answer is on its way.';
    ctx.out(`Added ${terminalText(c.name)}.${how}`, contactJson(c));
  },
};

async function conversationsById(s: MeowService): Promise<Map<string, ConversationView>> {
  return new Map((await s.conversations()).map((c) => [c.contact.id, c]));
}

function contactLine(c: ContactView, conv?: ConversationView): string {
  const state = c.orphaned
    ? ` (your device that talked to them was unlinked: meow invite --again ${terminalText(c.name)})`
    : c.state === 'invited'
      ? ' (invitation not answered yet)'
      : c.blocked
        ? ' (blocked)'
        : '';
  const unread = conv?.unread ? ` — ${conv.unread} unread` : '';
  return `${terminalText(c.name)}${state}${unread}  [${c.id}]`;
}

export const contacts: CommandSpec = {
  name: 'contacts',
  synopsis: '',
  summary: 'the visible contacts (with unread counts)',
  async run(ctx) {
    const s = await ctx.open();
    const list = await s.contacts();
    const convs = await conversationsById(s);
    ctx.out(
      () =>
        list.length === 0
          ? 'No contacts yet: `meow invite --name NAME` or `meow accept LINK`.'
          : list.map((c) => contactLine(c, convs.get(c.id))).join('\n'),
      list.map((c) => contactJson(c, convs.get(c.id))),
    );
  },
};

function onOff(v: string | undefined, option: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'on') return true;
  if (v === 'off') return false;
  throw new UsageError(`contact: --${option} takes on or off`, 'contact');
}

export const contact: CommandSpec = {
  name: 'contact',
  synopsis: 'CONTACT [--rename N] [--block|--unblock] [--delivery-receipts on|off] [--read-receipts on|off]',
  summary: 'show or change one contact (CONTACT = name or id)',
  options: {
    rename: { type: 'string' },
    block: { type: 'boolean' },
    unblock: { type: 'boolean' },
    'delivery-receipts': { type: 'string' },
    'read-receipts': { type: 'string' },
  },
  positionals: ['CONTACT'],
  async run(ctx, args) {
    if (flag(args, 'block') && flag(args, 'unblock'))
      throw new UsageError('contact: --block or --unblock, not both', 'contact');
    const change = Object.fromEntries(
      Object.entries({
        name: str(args, 'rename'),
        blocked: flag(args, 'block') ? true : flag(args, 'unblock') ? false : undefined,
        deliveryReceipts: onOff(str(args, 'delivery-receipts'), 'delivery-receipts'),
        readReceipts: onOff(str(args, 'read-receipts'), 'read-receipts'),
      }).filter(([, v]) => v !== undefined),
    );
    const s = await ctx.open();
    let c = await resolveContact(s, args.positionals[0]!);
    if (Object.keys(change).length) c = await s.updateContact(c.id, change);
    const conv = (await conversationsById(s)).get(c.id);
    ctx.out(
      () =>
        [
          `${terminalText(c.name)}${c.theirName ? ` (calls themselves "${terminalText(c.theirName)}")` : ''}${c.blocked ? ' — blocked' : ''}`,
          ...(c.state === 'invited' ? ['invitation not answered yet'] : []),
          ...(c.status ? [`status: ${c.status}`] : []),
          `delivery receipts: ${c.deliveryReceipts ? 'on' : 'off'}, read receipts: ${c.readReceipts ? 'on' : 'off'}`,
          ...(c.primaryDevice ? [`talks to them: your device "${c.primaryDevice.name}"`] : []),
          `messages: ${conv?.messageCount ?? 0}${conv?.unread ? `, ${conv.unread} unread` : ''}`,
          `uid: ${c.id}`,
        ].join('\n'),
      contactJson(c, conv),
    );
  },
};

export const contactDelete: CommandSpec = {
  name: 'contact delete',
  synopsis: 'CONTACT [--yes]',
  summary: 'delete a contact and its conversation on all your devices (not told to them)',
  help: ['Its keys are erased and its queues closed: what it still sends reaches none of your devices.'],
  options: { yes: { type: 'boolean' } },
  positionals: ['CONTACT'],
  async run(ctx, args) {
    const s = await ctx.open();
    const c = await resolveContact(s, args.positionals[0]!);
    if (!flag(args, 'yes')) {
      const answer = await ctx.ask(
        `Delete ${terminalText(c.name)} and your conversation with them, on all your devices?`,
      );
      if (answer === null) throw new UsageError('Deleting a contact needs --yes when nobody can be asked.');
      if (!answer) throw new CliError('Not deleted.');
    }
    await s.deleteContact(c.id);
    ctx.out(`Deleted ${terminalText(c.name)} and your conversation with them (on all your devices).`, {
      deleted: true,
      uid: c.id,
    });
  },
};
