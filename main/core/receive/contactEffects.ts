/**
 * What a message on a contact's channel writes: a stored message (with its delivery receipt
 * and its fan-out to my other devices), status changes from the contact's receipts, a
 * profile or an answered invitation for my other devices.
 */
import { randomUUID } from 'node:crypto';
import type { meow } from '../../../protocol/wire/proto.js';
import type { Core } from '../core.js';
import { toDbMessage } from '../messenger/dbMessage.js';
import { expireAfterOf } from '../messenger/disappearing.js';
import { fresh } from '../messenger/typing.js';
import { receiptState } from '../messenger/messageState.js';
import { deliveryReceipt } from '../messenger/receipts.js';
import type { ContactChannel } from '../peers/peer.js';
import type { ReceiveSink } from './decision.js';
import { applyAction, fromWire, toWire } from '../messenger/actions.js';
import { groupEffects } from '../groups/receive.js';

/** Content types stored as conversation messages. */
export const STORED_TYPES = new Set(['text']);

/**
 * What a contact's message writes to messages.db (its message or status changes), inside
 * the caller's transaction, and what it sends (the receipts, the fan-out to my other
 * devices) and announces once that commits, pushed onto `sink`. `peer` is the channel
 * before the message, `next` after it.
 */
export function contactEffects(
  core: Core,
  peer: ContactChannel,
  next: ContactChannel,
  message: meow.UserMessage,
  sink: ReceiveSink,
): void {
  const { events, outbox } = sink;
  if (peer.state === 'invited') {
    outbox.push(...core.fanOut({ type: 'peer_update', peer: next }));
  } else if (STORED_TYPES.has(message.type)) {
    if (peer.blocked) return; // dropped, but the ratchet still moves on
    const now = Date.now();
    const uuid = message.status?.uuid || randomUUID();
    const m = {
      peerUid: peer.uid,
      uuid,
      outbound: false,
      type: message.type,
      text: message.text,
      data: message.data,
      files: message.files,
      answerTo: message.status?.answerToUuid ?? '',
      expireAfter: expireAfterOf(message.status),
      state: 'received' as const,
      // The author's clock orders the conversation, but never from the future.
      sentAt: Math.min(message.status?.sent || now, now + 5 * 60_000),
      receivedAt: now,
    };
    const stored = core.db.messages.insertReturning(m);
    if (stored) {
      events.push({ kind: 'message', m: stored });
      outbox.push(...core.fanOut({ type: 'msg', peerUid: peer.uid, dbMessage: toDbMessage(m) }));
      if (peer.sendDeliveryAck) outbox.push(deliveryReceipt(peer.uid, uuid, now));
    }
  } else if (message.type === 'ack') {
    for (const a of message.acks) {
      if (!a.uuid) continue;
      const updated = core.db.messages.advanceStatus(
        peer.uid,
        a.uuid,
        {
          state: receiptState(a),
          receivedAt: a.received || a.processed || 0,
          processedAt: a.processed || 0,
        },
        { outboundOnly: true }, // a receipt is about my messages, never about the contact's own
      );
      if (updated) {
        events.push({ kind: 'status', m: updated });
        outbox.push(...core.fanOut({ type: 'status', peerUid: peer.uid, dbMessage: toDbMessage(updated) }));
      }
    }
  } else if (message.type === 'action') {
    if (peer.blocked) return;
    // The contact's reaction, edit or deletion: applied here, and told to my other devices.
    const a = fromWire(peer.uid, message.action, false);
    if (typeof a === 'string') {
      core.log.warn('ignored an action from a contact', { peer: peer.uid, why: a });
      return;
    }
    if (applyAction(core, a, events))
      outbox.push(...core.fanOut({ type: 'action', peerUid: peer.uid, action: toWire(a) }));
  } else if (message.type === 'profile') {
    outbox.push(...core.fanOut({ type: 'peer_update', peer: next }));
  } else if (message.type === 'typing') {
    // Shown here and on my other devices for a moment; never stored (messenger/typing.ts).
    const at = Number(message.status?.sent ?? 0);
    if (peer.blocked || !fresh(at)) return;
    setImmediate(() => core.emit('typing', peer.uid));
    outbox.push(...core.fanOut({ type: 'typing', peerUid: peer.uid, at }));
  } else if (message.type === 'group') {
    if (peer.blocked) return;
    groupEffects(core, peer, message, sink); // groups/receive.ts
  }
}
