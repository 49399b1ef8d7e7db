/** meow group create|add|remove|leave|info|send|messages, meow groups (docs/groups.md). */
import { ServiceError } from '../../../shared/errors.js';
import { LIMITS } from '../../../shared/schemas.js';
import type { MeowService } from '../../../shared/service.js';
import type { GroupMessageView, GroupView } from '../../../shared/views.js';
import type { CliContext } from '../context.js';
import type { CommandSpec, Parsed } from '../spec.js';
import { str } from '../spec.js';
import { resolveContact, whole } from './resolve.js';

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** A group by id, or by its name (case-insensitive) when one group has it. */
async function resolveGroup(s: MeowService, ref: string): Promise<GroupView> {
  const all = await s.groups();
  const byId = all.find((g) => g.id === ref);
  if (byId) return byId;
  const named = all.filter((g) => same(g.name, ref));
  if (named.length === 1) return named[0]!;
  if (named.length > 1) throw new ServiceError('AMBIGUOUS_GROUP', { name: ref });
  throw new ServiceError('UNKNOWN_GROUP', { group: ref });
}

/** The service, and the group the first positional names; the other positionals after it. */
async function withGroup(
  ctx: CliContext,
  args: Parsed,
): Promise<{ s: MeowService; g: GroupView; rest: string[] }> {
  const [gref, ...rest] = args.positionals as [string, ...string[]];
  const s = await ctx.open();
  return { s, g: await resolveGroup(s, gref), rest };
}

function infoText(g: GroupView): string {
  const lines = [`${g.name}  (${g.id})${g.member ? '' : '  — you are no longer a member'}`];
  for (const m of g.members)
    lines.push(`  ${m.name}${m.me ? ' (you)' : ''}${m.admin ? '  admin' : ''}  ${m.key.slice(0, 16)}`);
  lines.push('history:');
  for (const h of g.history)
    lines.push(
      h.op === 'create'
        ? `  ${h.actor} created the group`
        : `  ${h.actor} ${h.op === 'leave' ? 'left' : `${h.op}${h.op.endsWith('e') ? 'd' : 'ed'} ${h.member}`}`,
    );
  for (const r of g.refusals) lines.push(`refused: a ${r.op} (${r.reason})`);
  return lines.join('\n');
}

const messageLine = (m: GroupMessageView) =>
  `${new Date(m.sentAt).toISOString().slice(0, 16).replace('T', ' ')}  ${m.author}: ${m.text}${
    m.outbound ? ` [${m.status}]` : ''
  }`;

export const groups: CommandSpec = {
  name: 'groups',
  synopsis: '',
  summary: 'my groups (with how many members)',
  async run(ctx) {
    const all = await (await ctx.open()).groups();
    ctx.out(
      () =>
        all.length
          ? all
              .map((g) => `${g.name}  ${g.members.length} members${g.member ? '' : '  (left)'}  ${g.id}`)
              .join('\n')
          : 'No groups yet: `meow group create NAME CONTACT...`.',
      all,
    );
  },
};

export const groupCreate: CommandSpec = {
  name: 'group create',
  synopsis: 'NAME CONTACT...',
  summary: 'a new group of my contacts (who need not know each other); I am its admin',
  help: [
    'The members get the group at once; those who are not each other’s contacts are linked by a',
    'hidden channel the group brings (never added to anyone’s contacts). At most 256 members.',
  ],
  positionals: ['NAME', 'CONTACT...'],
  async run(ctx, args) {
    const [name, ...refs] = args.positionals as [string, ...string[]];
    const s = await ctx.open();
    if (refs.length >= 256)
      throw new ServiceError('GROUP_REFUSED', {
        reason: 'TOO_LARGE',
        detail: 'a group has at most 256 members',
      });
    const ids = [];
    for (const r of refs) ids.push((await resolveContact(s, r)).id);
    const g = await s.createGroup({ name, members: ids });
    ctx.out(`Created "${g.name}" with ${g.members.length} members.`, g);
  },
};

export const groupAdd: CommandSpec = {
  name: 'group add',
  synopsis: 'GROUP CONTACT',
  summary: 'add a contact to a group (admins)',
  positionals: ['GROUP', 'CONTACT'],
  async run(ctx, args) {
    const { s, g, rest } = await withGroup(ctx, args);
    const cref = rest[0]!;
    const c = await resolveContact(s, cref);
    const v = await s.addGroupMember(g.id, c.id);
    ctx.out(`Added ${c.name} to "${v.name}".`, v);
  },
};

export const groupRemove: CommandSpec = {
  name: 'group remove',
  synopsis: 'GROUP MEMBER',
  summary: 'remove a member (admins); they read nothing sent after',
  help: ['MEMBER is a name as `meow group info` shows it, or the start of its key.'],
  positionals: ['GROUP', 'MEMBER'],
  async run(ctx, args) {
    const { s, g, rest } = await withGroup(ctx, args);
    const mref = rest[0]!;
    const member = memberOf(g, mref);
    const v = await s.removeGroupMember(g.id, member.key);
    ctx.out(`Removed ${member.name} from "${v.name}".`, v);
  },
};

/** A member of `g` other than me, by its name as shown or the start of its key. */
function memberOf(g: GroupView, ref: string) {
  const named = g.members.filter((m) => !m.me && (same(m.name, ref) || m.key.startsWith(ref.toLowerCase())));
  if (named.length !== 1)
    throw new ServiceError('GROUP_REFUSED', {
      reason: named.length ? 'AMBIGUOUS' : 'INVALID',
      detail: named.length ? `more than one member is "${ref}": give its key` : `"${ref}" is not a member`,
    });
  return named[0]!;
}

export const groupRename: CommandSpec = {
  name: 'group rename',
  synopsis: 'GROUP NAME',
  summary: 'a new name for a group (admins); every member sees it',
  positionals: ['GROUP', 'NAME'],
  async run(ctx, args) {
    const { s, g, rest } = await withGroup(ctx, args);
    const name = rest[0]!;
    const v = await s.renameGroup(g.id, name);
    ctx.out(`Renamed "${g.name}" to "${v.name}".`, v);
  },
};

export const groupPromote: CommandSpec = {
  name: 'group promote',
  synopsis: 'GROUP MEMBER',
  summary: 'make a member an admin (admins)',
  positionals: ['GROUP', 'MEMBER'],
  async run(ctx, args) {
    const { s, g, rest } = await withGroup(ctx, args);
    const mref = rest[0]!;
    const member = memberOf(g, mref);
    const v = await s.promoteGroupMember(g.id, member.key);
    ctx.out(`${member.name} is an admin of "${v.name}" now.`, v);
  },
};

export const groupLeave: CommandSpec = {
  name: 'group leave',
  synopsis: 'GROUP',
  summary: 'leave a group (its history stays here)',
  positionals: ['GROUP'],
  async run(ctx, args) {
    const { s, g } = await withGroup(ctx, args);
    const v = await s.leaveGroup(g.id);
    ctx.out(`You left "${v.name}".`, v);
  },
};

export const groupInfo: CommandSpec = {
  name: 'group info',
  synopsis: 'GROUP',
  summary: 'members, admins and the history of changes',
  positionals: ['GROUP'],
  async run(ctx, args) {
    const { s, g } = await withGroup(ctx, args);
    const v = await s.groupInfo(g.id);
    ctx.out(() => infoText(v), v);
  },
};

export const groupSend: CommandSpec = {
  name: 'group send',
  synopsis: 'GROUP [--] TEXT...',
  summary: 'send a text to every member (encrypted once, for each of them)',
  positionals: ['GROUP', 'TEXT...'],
  textFrom: 1,
  async run(ctx, args) {
    const [gref, ...words] = args.positionals as [string, ...string[]];
    const text = words.join(' ');
    if (Buffer.byteLength(text, 'utf8') > LIMITS.textBytes)
      throw new ServiceError('TEXT_TOO_LONG', { maxBytes: LIMITS.textBytes });
    const s = await ctx.open();
    const g = await resolveGroup(s, gref);
    const m = await s.sendGroup(g.id, text);
    ctx.out(
      m.status === 'pending_forward'
        ? `Queued for your device that drives "${g.name}": it sends it when it is online.`
        : `Sent to "${g.name}".`,
      m,
    );
  },
};

export const groupMessages: CommandSpec = {
  name: 'group messages',
  synopsis: 'GROUP [--limit N]',
  summary: 'the group’s messages, oldest first (--limit N: the newest N)',
  options: { limit: { type: 'string' } },
  positionals: ['GROUP'],
  async run(ctx, args) {
    const { s, g } = await withGroup(ctx, args);
    const limit = whole(str(args, 'limit'), '--limit', 1);
    const all = await s.groupMessages(g.id, { limit: Math.min(limit ?? LIMITS.pageLimit, LIMITS.pageLimit) });
    ctx.out(() => all.map(messageLine).join('\n'), all);
  },
};
