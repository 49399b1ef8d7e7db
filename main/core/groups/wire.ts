/**
 * What a group sends over a pairwise channel (a UserMessage of type "group", proto
 * GroupMessage) and the rows that carry it.
 */
import { randomUUID } from 'node:crypto';
import { fromHex, toHex } from '../../../protocol/crypto/bytes.js';
import type { GroupChange } from '../../../protocol/group/membership.js';
import { senderKeyProof } from '../../../protocol/group/senderKey.js';
import { encode, meow } from '../../../protocol/wire/proto.js';
import type { OutboxItem } from '../storage/messageDb.js';
import { myKeyPair, type GroupRecord } from './record.js';

/** A changes message holds at most this many bytes of JSON (a 256-member group's log fits many times). */
export const MAX_CHANGES_BYTES = 1024 * 1024;

export function groupItem(peerUid: string, group: meow.IGroupMessage, sent: number): OutboxItem {
  return {
    channel: 'peer',
    peerUid,
    plain: encode(meow.UserMessage, { type: 'group', group, status: { uuid: randomUUID(), sent } }),
  };
}

/** The log (and the names its sender knows its members by), for a member who may lack some of it. */
export function changesMessage(r: GroupRecord): meow.IGroupMessage {
  const body = JSON.stringify({ changes: r.changes, names: r.names });
  return { group: r.id, kind: 'changes', changes: new TextEncoder().encode(body) };
}

export function readChanges(gm: meow.GroupMessage): {
  changes: GroupChange[];
  names: Record<string, string>;
} {
  if (gm.changes.length > MAX_CHANGES_BYTES) throw new Error('a group log over 1 MiB');
  const body = JSON.parse(new TextDecoder().decode(gm.changes)) as {
    changes?: unknown;
    names?: unknown;
  };
  if (!Array.isArray(body.changes)) throw new Error('no changes');
  const names: Record<string, string> = {};
  if (body.names && typeof body.names === 'object')
    for (const [k, v] of Object.entries(body.names as Record<string, unknown>))
      if (typeof v === 'string') names[k] = v.slice(0, 100);
  return { changes: body.changes as GroupChange[], names };
}

/** My current sender key, with my proof that it is mine. */
export function senderKeyMessage(r: GroupRecord): meow.IGroupMessage {
  const c = r.myChain;
  return {
    group: r.id,
    kind: 'sender_key',
    member: r.me.publicKey,
    keyId: c.keyId,
    index: c.index,
    chainKey: fromHex(c.chainKey),
    signature: senderKeyProof(r.id, myKeyPair(r), c),
  };
}

export function chainOf(gm: meow.GroupMessage): {
  keyId: string;
  chainKey: string;
  index: number;
  skipped: Record<string, string>;
} {
  return { keyId: gm.keyId, chainKey: toHex(gm.chainKey), index: gm.index, skipped: {} };
}
