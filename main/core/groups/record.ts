/**
 * A group as one device keeps it (sealed in messages.db, table `groups`): every membership
 * change it has seen (protocol/group/membership.ts resolves them into one chain), my member
 * key and sender chain, the members' sender chains, the pairwise channels that reach them,
 * and channel work still to do (cards to make or answer, done after the receive commits).
 */
import { fromHex, randomBytes, toHex } from '../../../protocol/crypto/bytes.js';
import type { KeyPair } from '../../../protocol/crypto/curves.js';
import { resolve, type GroupChange, type GroupState } from '../../../protocol/group/membership.js';
import { newChain, type SenderChain } from '../../../protocol/group/senderKey.js';
import type { MessageDb } from '../storage/messageDb.js';

/** Pairwise channel work the receive path leaves for after its commit (peer records are async). */
export type ChannelWork =
  /** Make an invitation for `member` and send it through `broker`, the member who added it. */
  | { kind: 'make_card'; member: string; broker: string }
  /** Answer `member`'s invitation (a ContactCard, base64), which `broker` passed on. */
  | { kind: 'answer_card'; member: string; card: string };

export interface GroupRecord {
  id: string;
  changes: GroupChange[];
  /** My member key: my signing key of the channel I was added over, or a fresh one if I created the group. */
  me: { publicKey: string; privateKey: string };
  /** Member key → the uid of the pairwise channel (a contact, or a hidden group channel) that reaches it. */
  routes: Record<string, string>;
  /** Member key → the name I show (a contact's name, or what the member who added it calls it). */
  names: Record<string, string>;
  myChain: SenderChain;
  /** Member key → its sender chains I hold (the newest last; one older kept for late messages). */
  chains: Record<string, SenderChain[]>;
  work: ChannelWork[];
  /** Changes refused where they would have applied, with why (shown in the group's info). */
  refusals: { actor: string; op: string; reason: string; at: number }[];
  /** Texts whose sender key has not arrived yet (GroupMessage, base64), opened when it does. */
  held?: { member: string; gm: string }[];
  /** Absent: this device drives the group. Else the id of my device that does (groups/siblings.ts). */
  driver?: string;
}

export function myKeyPair(r: GroupRecord): KeyPair {
  return { publicKey: fromHex(r.me.publicKey), privateKey: fromHex(r.me.privateKey) };
}

export function freshChain(): SenderChain {
  return newChain(randomBytes);
}

export function stateOf(r: GroupRecord): GroupState | null {
  return resolve(r.id, r.changes).state;
}

export function loadGroup(db: MessageDb, id: string): GroupRecord | undefined {
  return db.groups.get(id) as GroupRecord | undefined;
}

export function saveGroup(db: MessageDb, r: GroupRecord): void {
  db.groups.put(r.id, r);
}

export function memberKeyHex(kp: KeyPair): { publicKey: string; privateKey: string } {
  return { publicKey: toHex(kp.publicKey), privateKey: toHex(kp.privateKey) };
}

/** The member a pairwise channel reaches in this group, if any. */
export function memberOn(r: GroupRecord, peerUid: string): string | undefined {
  return Object.entries(r.routes).find(([, uid]) => uid === peerUid)?.[0];
}
