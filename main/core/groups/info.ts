/** What a group shows: its members, admins and the history of changes, from its resolved log. */
import { resolve, type GroupOp } from '../../../protocol/group/membership.js';
import type { GroupRecord } from './record.js';

export interface GroupMember {
  key: string;
  name: string;
  admin: boolean;
  me: boolean;
  /** Whether a pairwise channel reaches it (a new member's hidden channel takes a round trip). */
  reachable: boolean;
}

export interface GroupInfo {
  id: string;
  name: string;
  epoch: number;
  /** false: I left or was removed (the history stays, nothing more is sent or read). */
  member: boolean;
  admin: boolean;
  members: GroupMember[];
  history: { epoch: number; actor: string; op: GroupOp['kind']; member: string; at: number }[];
  refusals: GroupRecord['refusals'];
}

/** The group as shown, or undefined while its log resolves to nothing (no create yet). */
export function groupInfo(r: GroupRecord, myNickname: string): GroupInfo | undefined {
  const resolved = resolve(r.id, r.changes);
  const state = resolved.state;
  if (!state) return undefined;
  const me = r.me.publicKey;
  const name = (k: string) => (k === me ? myNickname : (r.names[k] ?? k.slice(0, 8)));
  return {
    id: r.id,
    name: state.name,
    epoch: state.epoch,
    member: state.members.includes(me),
    admin: state.admins.includes(me),
    members: state.members.map((k) => ({
      key: k,
      name: name(k),
      admin: state.admins.includes(k),
      me: k === me,
      reachable: k === me || !!r.routes[k],
    })),
    history: resolved.chain.map((c) => ({
      epoch: c.epoch,
      actor: name(c.actor),
      op: c.op.kind,
      member: 'member' in c.op ? name(c.op.member) : '',
      at: c.at,
    })),
    refusals: r.refusals,
  };
}
