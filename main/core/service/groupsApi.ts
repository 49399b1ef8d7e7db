/** Groups (docs/groups.md): list, info, create, add, remove, leave, send, read. */
import type { GroupMessageView, GroupView } from '../../../shared/views.js';
import type { GroupInfo } from '../groups/groups.js';
import type { Messenger } from '../messenger/messenger.js';
import type { StoredMessage } from '../storage/messageDb.js';
import type { ServiceSession } from './session.js';

function groupView(g: GroupInfo): GroupView {
  return {
    id: g.id,
    name: g.name,
    member: g.member,
    admin: g.admin,
    members: g.members.map(({ key, name, admin, me }) => ({ key, name, admin, me })),
    history: g.history.map(({ actor, op, member, at }) => ({ actor, op, member, at })),
    refusals: g.refusals.map(({ op, reason, at }) => ({ op, reason, at })),
  };
}

function groupMessageView(m: Messenger, groupId: string, s: StoredMessage): GroupMessageView {
  return {
    id: s.uuid,
    groupId,
    outbound: s.outbound,
    author: m.groups.authorName(groupId, s),
    text: s.text,
    status: s.state,
    sentAt: s.sentAt,
    receivedAt: s.receivedAt,
  };
}

/** A change to a group: made, sent now if the relay is there, and the group as it is after. */
function change(
  s: ServiceSession,
  what: string,
  fn: (m: Messenger) => Promise<GroupInfo>,
): Promise<GroupView> {
  return s.guard(what, async () => {
    const m = s.open();
    const g = await fn(m);
    await s.flushSoon(m);
    return groupView(g);
  });
}

export function groups(s: ServiceSession): Promise<GroupView[]> {
  return s.guard('groups', async () => s.open().groups.list().map(groupView));
}

export function groupInfo(s: ServiceSession, groupId: string): Promise<GroupView> {
  return s.guard('groupInfo', async () => groupView(s.open().groups.info(groupId)));
}

export function createGroup(
  s: ServiceSession,
  args: { name: string; members: string[] },
): Promise<GroupView> {
  return s.guard('createGroup', async () => {
    const m = s.open();
    const g = await m.groups.create(args.name, args.members);
    await s.flushSoon(m);
    return groupView(g);
  });
}

export function addGroupMember(s: ServiceSession, groupId: string, contactId: string): Promise<GroupView> {
  return change(s, 'addGroupMember', (m) => {
    s.contact(m, contactId);
    return m.groups.add(groupId, contactId);
  });
}

export function removeGroupMember(s: ServiceSession, groupId: string, member: string): Promise<GroupView> {
  return change(s, 'removeGroupMember', (m) => {
    return m.groups.remove(groupId, member);
  });
}

export function leaveGroup(s: ServiceSession, groupId: string): Promise<GroupView> {
  return change(s, 'leaveGroup', (m) => {
    return m.groups.leave(groupId);
  });
}

export function renameGroup(s: ServiceSession, groupId: string, name: string): Promise<GroupView> {
  return change(s, 'renameGroup', (m) => {
    return m.groups.rename(groupId, name);
  });
}

export function promoteGroupMember(s: ServiceSession, groupId: string, member: string): Promise<GroupView> {
  return change(s, 'promoteGroupMember', (m) => {
    return m.groups.promote(groupId, member);
  });
}

export function sendGroup(s: ServiceSession, groupId: string, text: string): Promise<GroupMessageView> {
  return s.guard('sendGroup', async () => {
    const m = s.open();
    const stored = await m.groups.send(groupId, text);
    await s.flushSoon(m);
    return groupMessageView(m, stored.peerUid, m.db.messages.get(stored.peerUid, stored.uuid) ?? stored);
  });
}

export function groupMessages(
  s: ServiceSession,
  groupId: string,
  opts: { limit?: number } = {},
): Promise<GroupMessageView[]> {
  return s.guard('groupMessages', async () => {
    const m = s.open();
    const id = m.groups.find(groupId).id;
    return m.groups.messages(id, { limit: opts.limit ?? 50 }).map((x) => groupMessageView(m, id, x));
  });
}
