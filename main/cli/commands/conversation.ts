/** conversation: pin, archive, mark unread, mute or keep a draft — on all my devices. */
import type { ConversationChange, ConversationView } from '../../../shared/views.js';
import { UsageError } from '../errors.js';
import { flag, str, type CommandSpec } from '../spec.js';
import { resolveContact, whole } from './resolve.js';
import { LIMITS } from '../../../shared/schemas.js';
import { messageJson, messageLine } from '../format.js';

const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** `--disappear 1h` → ms (`off` → 0); the service refuses a value not in its list. */
export function disappearAfter(value: string): number {
  if (value === 'off') return 0;
  const m = /^(\d{1,6})([smhdw])$/.exec(value);
  if (!m) throw new UsageError('conversation: --disappear takes off, 5m, 1h, 1d or 1w', 'conversation');
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** 3600000 → "1h" (as --disappear takes it). */
function duration(ms: number): string {
  for (const u of ['w', 'd', 'h', 'm', 's']) if (ms % UNITS[u]! === 0) return `${ms / UNITS[u]!}${u}`;
  return `${ms}ms`;
}

/** `--mute 8h` → until when (unix ms); `forever` → as far as a time goes. */
export function muteUntil(value: string, now = Date.now()): number {
  if (value === 'forever') return Number.MAX_SAFE_INTEGER;
  const m = /^(\d{1,6})([mhdw])$/.exec(value);
  if (!m)
    throw new UsageError(
      'conversation: --mute takes a duration like 30m, 8h, 1d, 1w or forever',
      'conversation',
    );
  return now + Number(m[1]) * UNITS[m[2]!]!;
}

function describe(c: ConversationView): string {
  const parts = [
    c.pinned ? 'pinned' : '',
    c.archived ? 'archived' : '',
    c.markedUnread ? 'marked unread' : '',
    c.mutedUntil > Date.now()
      ? c.mutedUntil === Number.MAX_SAFE_INTEGER
        ? 'muted'
        : `muted until ${new Date(c.mutedUntil).toLocaleString()}`
      : '',
    c.draft ? `draft: ${c.draft}` : '',
    c.disappearAfter
      ? `messages disappear ${duration(c.disappearAfter)} after reading (set by ${c.disappearSetBy === 'me' ? 'you' : c.contact.name})`
      : '',
  ].filter(Boolean);
  return `${c.contact.name}: ${parts.length ? parts.join(', ') : 'nothing set'}`;
}

export const conversation: CommandSpec = {
  name: 'conversation',
  synopsis:
    'CONTACT [--pin|--unpin] [--archive|--unarchive] [--mark-unread] [--mute D|--unmute] [--draft T] [--disappear T]',
  summary:
    'pin, archive, mark unread, mute, keep a draft or set disappearing messages (your other devices follow)',
  help: [
    '--mute takes 30m, 8h, 1d, 1w or forever: no notifications until then. --draft "" clears the draft.',
    '--disappear takes off, 5m, 1h, 1d or 1w: new messages disappear that long after they are read',
    '(yours: after sending), from every device of both of you; the contact sees the change.',
    'Without options, shows what is set.',
  ],
  options: {
    pin: { type: 'boolean' },
    unpin: { type: 'boolean' },
    archive: { type: 'boolean' },
    unarchive: { type: 'boolean' },
    'mark-unread': { type: 'boolean' },
    mute: { type: 'string' },
    unmute: { type: 'boolean' },
    draft: { type: 'string' },
    disappear: { type: 'string' },
  },
  positionals: ['CONTACT'],
  async run(ctx, args) {
    const both = (a: string, b: string) => {
      if (flag(args, a) && flag(args, b))
        throw new UsageError(`conversation: --${a} or --${b}, not both`, 'conversation');
    };
    both('pin', 'unpin');
    both('archive', 'unarchive');
    if (str(args, 'mute') !== undefined && flag(args, 'unmute'))
      throw new UsageError('conversation: --mute or --unmute, not both', 'conversation');
    const change: ConversationChange = {};
    if (flag(args, 'pin') || flag(args, 'unpin')) change.pinned = flag(args, 'pin');
    if (flag(args, 'archive') || flag(args, 'unarchive')) change.archived = flag(args, 'archive');
    if (flag(args, 'mark-unread')) change.unread = true;
    const mute = str(args, 'mute');
    if (mute !== undefined) change.mutedUntil = muteUntil(mute);
    if (flag(args, 'unmute')) change.mutedUntil = 0;
    const draft = str(args, 'draft');
    if (draft !== undefined) change.draft = draft;
    const disappear = str(args, 'disappear');
    const timer = disappear === undefined ? undefined : disappearAfter(disappear);
    const s = await ctx.open();
    const c = await resolveContact(s, args.positionals[0]!);
    if (timer !== undefined) await s.setDisappearing(c.id, timer);
    const view =
      Object.keys(change).length > 0
        ? await s.updateConversation(c.id, change)
        : (await s.conversations()).find((x) => x.contact.id === c.id)!;
    ctx.out(describe(view), {
      contact: view.contact.id,
      pinned: view.pinned,
      archived: view.archived,
      markedUnread: view.markedUnread,
      mutedUntil: view.mutedUntil,
      draft: view.draft,
      disappearAfter: view.disappearAfter,
      disappearSetBy: view.disappearSetBy,
    });
  },
};

export const search: CommandSpec = {
  name: 'search',
  synopsis: '[--contact C] [--limit N] [--] WORDS...',
  summary: 'messages of every conversation holding every word (case and accents ignored), newest first',
  help: ['The index is built in memory when the profile opens; nothing of it is written to disk.'],
  options: { contact: { type: 'string' }, limit: { type: 'string' } },
  positionals: ['WORDS...'],
  textFrom: 0,
  async run(ctx, args) {
    const query = args.positionals.join(' ');
    if (query.length > LIMITS.queryChars)
      throw new UsageError(`search: at most ${LIMITS.queryChars} characters`, 'search');
    const limit = whole(str(args, 'limit'), 'search: --limit', 1);
    const s = await ctx.open();
    const contactRef = str(args, 'contact');
    const contactId = contactRef ? (await resolveContact(s, contactRef)).id : undefined;
    const hits = await s.search(query, { ...(contactId ? { contactId } : {}), ...(limit ? { limit } : {}) });
    ctx.out(
      () =>
        hits.length
          ? hits
              .map(
                (h) =>
                  `${h.contactName}  ${h.message.id.slice(0, 8)}  ${messageLine(h.message, h.contactName)}`,
              )
              .join('\n')
          : 'Nothing found.',
      hits.map((h) => ({
        contact: h.message.contactId,
        contactName: h.contactName,
        match: h.match,
        ...messageJson(h.message),
      })),
    );
  },
};

export const conversationDelete: CommandSpec = {
  name: 'conversation delete',
  synopsis: 'CONTACT',
  summary: 'delete the conversation (messages, files) on all your devices; the contact stays',
  help: ['The contact is not told and keeps their copy. What arrives afterwards shows as usual.'],
  positionals: ['CONTACT'],
  async run(ctx, args) {
    const s = await ctx.open();
    const c = await resolveContact(s, args.positionals[0]!);
    await s.deleteConversation(c.id);
    ctx.out(`Deleted the conversation with ${c.name} (on all your devices).`, { deleted: true, uid: c.id });
  },
};
