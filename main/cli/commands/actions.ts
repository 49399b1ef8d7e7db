/** reply, react, edit, delete: conversation actions on a message named by its id (or a unique start of it). */
import { ServiceError } from '../../../shared/errors.js';
import { LIMITS } from '../../../shared/schemas.js';
import type { MeowService } from '../../../shared/service.js';
import type { MessageView } from '../../../shared/views.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { messageJson, messageLine } from '../format.js';
import { flag, type CommandSpec } from '../spec.js';
import { resolveContact } from './resolve.js';

/** A message of the conversation by its id, or by a unique start of it (at least 4 characters). */
export async function resolveMessage(s: MeowService, contactId: string, ref: string): Promise<MessageView> {
  const matches: MessageView[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await s.messages(
      contactId,
      before ? { before, limit: LIMITS.pageLimit } : { limit: LIMITS.pageLimit },
    );
    for (const m of page) {
      if (m.id === ref) return m;
      if (ref.length >= 4 && m.id.startsWith(ref)) matches.push(m);
    }
    if (page.length < LIMITS.pageLimit) break;
    before = page[0]!.cursor;
  }
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1)
    throw new CliError(`Several messages start with "${ref}": give more of the id.`, 'AMBIGUOUS_MESSAGE', {
      message: ref,
    });
  throw new ServiceError('UNKNOWN_MESSAGE', { message: ref });
}

/** CONTACT MESSAGE TEXT...: the text (checked against the size limit), the contact and the message it is about. */
async function textOnMessage(ctx: CliContext, positionals: string[]) {
  const [ref, id, ...words] = positionals as [string, string, ...string[]];
  const text = words.join(' ');
  if (Buffer.byteLength(text, 'utf8') > LIMITS.textBytes)
    throw new ServiceError('TEXT_TOO_LONG', { maxBytes: LIMITS.textBytes });
  const s = await ctx.open();
  const c = await resolveContact(s, ref);
  const target = await resolveMessage(s, c.id, id);
  return { s, c, target, text };
}

const ID_HELP =
  'MESSAGE is an id as `meow messages CONTACT --ids` prints it (a unique start of it is enough).';

export const reply: CommandSpec = {
  name: 'reply',
  synopsis: 'CONTACT MESSAGE [--] TEXT...',
  summary: 'send TEXT quoting MESSAGE',
  help: [ID_HELP, 'The contact and your other devices show the first line of the quoted message above it.'],
  positionals: ['CONTACT', 'MESSAGE', 'TEXT...'],
  textFrom: 2,
  async run(ctx, args) {
    const { s, c, target: quoted, text } = await textOnMessage(ctx, args.positionals);
    const m = await s.send(c.id, text, { quote: quoted.id });
    ctx.out(messageLine(m, c.name), messageJson(m));
  },
};

export const react: CommandSpec = {
  name: 'react',
  synopsis: 'CONTACT MESSAGE EMOJI',
  summary: 'react to MESSAGE with one emoji (the same emoji again takes it back)',
  help: [ID_HELP, 'One reaction per person: a new emoji replaces your earlier one, on all your devices.'],
  positionals: ['CONTACT', 'MESSAGE', 'EMOJI'],
  async run(ctx, args) {
    const [ref, id, emoji] = args.positionals as [string, string, string];
    const s = await ctx.open();
    const c = await resolveContact(s, ref);
    const target = await resolveMessage(s, c.id, id);
    const m = await s.react(c.id, target.id, emoji);
    const mine = m.reactions.find((r) => r.by.includes('me'));
    ctx.out(mine ? `Reacted ${mine.emoji}.` : 'Reaction taken back.', messageJson(m));
  },
};

export const edit: CommandSpec = {
  name: 'edit',
  synopsis: 'CONTACT MESSAGE [--] TEXT...',
  summary: 'replace the text of your MESSAGE (its earlier text stays in its history)',
  help: [
    ID_HELP,
    'Only your own messages; the contact and your other devices show the new text, marked edited.',
  ],
  positionals: ['CONTACT', 'MESSAGE', 'TEXT...'],
  textFrom: 2,
  async run(ctx, args) {
    const { s, c, target, text } = await textOnMessage(ctx, args.positionals);
    const m = await s.editMessage(c.id, target.id, text);
    ctx.out(messageLine(m, c.name), messageJson(m));
  },
};

export const del: CommandSpec = {
  name: 'delete',
  synopsis: 'CONTACT MESSAGE [--for-everyone]',
  summary: 'delete MESSAGE on all your devices (--for-everyone: yours, within 24 h, for the contact too)',
  help: [ID_HELP, 'With --for-everyone every device shows "message deleted" instead; its text is wiped.'],
  options: { 'for-everyone': { type: 'boolean' } },
  positionals: ['CONTACT', 'MESSAGE'],
  async run(ctx, args) {
    const [ref, id] = args.positionals as [string, string];
    const forEveryone = flag(args, 'for-everyone');
    const s = await ctx.open();
    const c = await resolveContact(s, ref);
    const target = await resolveMessage(s, c.id, id);
    const m = await s.deleteMessage(c.id, target.id, { forEveryone });
    ctx.out(forEveryone ? 'Deleted for everyone.' : 'Deleted on your devices.', messageJson(m));
  },
};
