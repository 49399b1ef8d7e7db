/**
 * Delivery and read receipts (UserMessage type "ack"): built here for every path —
 * a message received, a conversation read here or on another device of mine — and
 * merged per contact before they are sent (one ratchet step, one post). A receipt
 * message never carries more than MAX_ACKS_PER_MESSAGE acks (the relay's size bound).
 */
import { decodeStrict, encode, meow } from '../../../protocol/wire/proto.js';
import type { OutboxItem, OutboxRow } from '../storage/messageDb.js';
import type { Core } from '../core.js';
import { MAX_ACKS_PER_MESSAGE } from './limits.js';

type Ack = meow.IConversationStatus;

/** Receipt rows for a contact, in chunks that each fit one message. */
export function receiptItems(peerUid: string, acks: Ack[]): OutboxItem[] {
  const items: OutboxItem[] = [];
  for (let i = 0; i < acks.length; i += MAX_ACKS_PER_MESSAGE) {
    const plain = encode(meow.UserMessage, { type: 'ack', acks: acks.slice(i, i + MAX_ACKS_PER_MESSAGE) });
    items.push({ channel: 'peer', peerUid, plain, kind: 'receipt' });
  }
  return items;
}

/** "Delivered": a message of the contact's reached this profile. */
export function deliveryReceipt(peerUid: string, uuid: string, receivedAt: number): OutboxItem {
  return receiptItems(peerUid, [{ uuid, received: receivedAt }])[0]!;
}

/** "Read": messages of the contact were read (here or on another device of mine) at `readAt`. */
export function readReceipts(
  peerUid: string,
  messages: { uuid: string; receivedAt: number }[],
  readAt: number,
): OutboxItem[] {
  return receiptItems(
    peerUid,
    messages.map((m) => ({ uuid: m.uuid, received: m.receivedAt || readAt, processed: readAt })),
  );
}

/**
 * A batch's outbox rows with each contact's receipts merged into as few rows as fit
 * (written once, instead of a row per message merged again when sent).
 */
export function mergeReceiptItems(items: OutboxItem[]): OutboxItem[] {
  const others: OutboxItem[] = [];
  const acks = new Map<string, Ack[]>();
  for (const i of items) {
    if (i.kind !== 'receipt' || i.channel !== 'peer' || i.notBefore !== undefined) {
      others.push(i);
      continue;
    }
    const list = acks.get(i.peerUid) ?? [];
    list.push(...decodeStrict(meow.UserMessage, 'UserMessage', i.plain).acks);
    acks.set(i.peerUid, list);
  }
  return [...others, ...[...acks].flatMap(([peerUid, a]) => receiptItems(peerUid, a))];
}

function acksOf(row: OutboxRow): Ack[] {
  return decodeStrict(meow.UserMessage, 'UserMessage', row.plain).acks;
}

/** Merges each contact's waiting, unpacked receipt rows into as few messages as fit. */
export function mergeReceiptRows(core: Core, rows: OutboxRow[]): OutboxRow[] {
  const groups: { rows: OutboxRow[]; acks: number }[] = [];
  const open = new Map<string, { rows: OutboxRow[]; acks: number }>(); // the group still filling, per peer
  const out: OutboxRow[] = [];
  for (const r of rows) {
    if (r.kind !== 'receipt' || r.packed) {
      out.push(r);
      continue;
    }
    const key = `${r.channel}/${r.peerUid}`;
    const n = acksOf(r).length;
    const g = open.get(key);
    // A merged message stays within one message's bound; past it, the row starts a new group.
    if (g && g.acks + n <= MAX_ACKS_PER_MESSAGE) {
      g.rows.push(r);
      g.acks += n;
    } else {
      const fresh = { rows: [r], acks: n };
      groups.push(fresh);
      open.set(key, fresh);
      out.push(r);
    }
  }
  for (const { rows: g } of groups) {
    if (g.length < 2) continue;
    const merged = encode(meow.UserMessage, { type: 'ack', acks: g.flatMap(acksOf) });
    core.db.outbox.merge(g[0]!, g.slice(1), merged);
    g[0]!.plain = merged;
  }
  return out;
}
