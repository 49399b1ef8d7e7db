/**
 * The primary relay: only the device that made a contact relationship (its primary) talks
 * to that contact and pulls its queue; a message I write on another device goes to the
 * primary as a `forward`, decided once when it is queued. Contacts see one sender.
 */
import { decodeStrict, meow } from '../../../protocol/wire/proto.js';
import { MINUTE_MS } from '../durations.js';
import { MeowError } from '../errors.js';
import { doubling } from '../retry.js';
import { toDbMessage } from '../messenger/dbMessage.js';
import { expireAfterOf } from '../messenger/disappearing.js';
import { fresh } from '../messenger/typing.js';
import type { SendRouting } from '../messenger/outbox.js';
import type { ContactChannel, DeviceChannel, Peer } from '../peers/peer.js';
import type { ReceiveSink } from '../receive/decision.js';
import type { OutboxItem, OutboxRow, StoredMessage } from '../storage/messageDb.js';
import type { DeviceContext } from './context.js';
import { applyAction, fromWire } from '../messenger/actions.js';

/**
 * A forward passed on after handovers. More hops than this means two devices disagree on the
 * primary — a handover still in flight (or waiting out a retry) does that — so it goes on,
 * never dropped, but after a pause that doubles with each further hop.
 */
const MAX_FORWARD_HOPS = 3;
const FORWARD_PAUSE_MS = 1000;
const MAX_FORWARD_PAUSE_MS = 5 * MINUTE_MS;

/** A contact's queue is pulled by its primary only; my devices' queues always. */
export function pulls(peer: Peer): boolean {
  return peer.type === 'device' || !peer.primary;
}

/**
 * Where a message I write to `contact` goes, decided once when it is queued: to the
 * contact (null: this device is its primary) or, as a forward, to the device that is.
 */
export function routeFor(ctx: DeviceContext, contact: ContactChannel): DeviceChannel | null {
  if (!contact.primary) return null;
  const primary = ctx.core.devices.get(contact.primary.device);
  if (!primary || primary.unlinked) {
    const unlinked = ctx.me.unlinked;
    throw unlinked
      ? new MeowError('DEVICE_UNLINKED', { at: unlinked.at, by: unlinked.by })
      : new MeowError('PRIMARY_GONE', { contact: contact.name });
  }
  return primary;
}

/** The outbox row that asks `primary` to send `plain` (a UserMessage) to `contact`. */
export function forwardItem(
  ctx: DeviceContext,
  primary: DeviceChannel,
  contact: ContactChannel,
  plain: Uint8Array,
  hops = 0,
): OutboxItem {
  const item = ctx.send(primary, 'forward', {
    forwardPayload: plain,
    forwardPeerUid: contact.uid,
    peerUid: contact.uid,
    hops,
  });
  return { ...item, kind: 'forward' };
}

/**
 * The primary role for `contact` left this device: what is queued for it changes route
 * once, in one transaction — messages become forwards to the new primary (and show as
 * waiting for it), even those packed already: the new primary rotates the contact's keys
 * (peers/rekey.ts), after which the contact refuses what was packed under the old ones (if
 * the relay did take those bytes, the contact shows the message once, by its uuid). So do
 * reactions, edits and deletions, packed or not (the contact stores each once, by its id).
 * Receipts are dropped (the primary sends its own); profile notices, resets and rotations not
 * yet packed too (the new primary rotates the keys); packed ones are posted as they are: their
 * step is part of the state handed over. Called under the contact's lock.
 */
export function rerouteQueued(ctx: DeviceContext, contact: ContactChannel, to: DeviceChannel): void {
  const db = ctx.core.db;
  const moved: StoredMessage[] = [];
  db.atomically(() => {
    for (const row of db.outbox.forPeer('peer', contact.uid)) {
      if (!row.messageUuid) {
        // A reset or rotation already packed is part of the state handed over; one not yet
        // packed is superseded by the new primary's rotation.
        if (row.kind === 'reset' || row.kind === 'rotate') {
          if (!row.packed) db.outbox.drop(row.id);
          continue;
        }
        if (decodeStrict(meow.UserMessage, 'UserMessage', row.plain).type === 'action')
          db.outbox.replace(row.id, [forwardItem(ctx, to, contact, row.plain)]);
        else if (!row.packed || row.kind === 'receipt') db.outbox.drop(row.id);
        continue;
      }
      db.outbox.replace(row.id, [
        { ...forwardItem(ctx, to, contact, row.plain), messageUuid: row.messageUuid },
      ]);
      const m = db.messages.markForwarding(contact.uid, row.messageUuid, to.uid, Date.now());
      if (m) moved.push(m);
    }
  });
  for (const m of moved) ctx.core.emit('status', m);
}

/** What the send loop asks of the multi-device layer about a row (its route was decided when queued). */
export const sendRouting: SendRouting = {
  // Rows for a device unlinked since they were queued are dropped, never sent.
  drop: (peer: Peer) => peer.type === 'device' && peer.unlinked,
  sentState: (row: OutboxRow) => (row.channel === 'device' ? null : 'sent'),
};

/** On the primary: send a sibling's message to the contact, exactly once (in the receive transaction). */
export function applyForward(
  ctx: DeviceContext,
  from: DeviceChannel,
  p: meow.DeviceSyncPayload,
  sink: ReceiveSink,
): void {
  const db = ctx.core.db;
  const contact = ctx.core.peers.get(p.forwardPeerUid);
  if (!contact) throw new MeowError('REFUSED', { detail: 'forward for an unknown contact' });
  const msg = decodeStrict(meow.UserMessage, 'UserMessage', p.forwardPayload);
  if ((msg.type !== 'text' && msg.type !== 'action' && msg.type !== 'typing') || !msg.status?.uuid)
    throw new MeowError('REFUSED', { detail: 'only text messages, actions and typing are forwarded' });
  if (contact.primary) {
    // The primary role moved (handover): pass it on to the device that has it now.
    const primary = ctx.core.devices.get(contact.primary.device);
    if (!primary || primary.unlinked)
      throw new MeowError('REFUSED', { detail: 'forward for a contact whose primary device is gone' });
    const item = forwardItem(ctx, primary, contact, p.forwardPayload, p.hops + 1);
    if (p.hops >= MAX_FORWARD_HOPS) {
      const pause = doubling(p.hops - MAX_FORWARD_HOPS, FORWARD_PAUSE_MS, MAX_FORWARD_PAUSE_MS);
      ctx.core.log.warn('a forward goes round my devices: passed on after a pause', { hops: p.hops, pause });
      item.notBefore = Date.now() + pause;
    }
    db.outbox.enqueue([item]);
    return;
  }
  const uuid = msg.status.uuid;
  const send: OutboxItem = { channel: 'peer', peerUid: contact.uid, plain: p.forwardPayload };
  if (msg.type === 'typing') {
    // Sent on as it is (stale: dropped), never stored; my devices never show my own typing.
    if (fresh(Number(msg.status.sent))) db.outbox.enqueue([send]);
    return;
  }
  if (msg.type === 'action') {
    // A reaction, edit or deletion I made on another device: its author told my devices; I
    // store it (once, by its id) and send it on — unless it is not one I may make.
    const a = fromWire(contact.uid, msg.action, true);
    if (typeof a === 'string') throw new MeowError('REFUSED', { detail: `forwarded action: ${a}` });
    if (a.kind === 'hide')
      throw new MeowError('REFUSED', { detail: 'a deletion for me is not sent to the contact' });
    const known = db.actions.forTarget(contact.uid, a.targetUuid).some((x) => x.id === a.id);
    if (applyAction(ctx.core, { ...a, authorDevice: from.deviceId }, sink.events) || known)
      db.outbox.enqueue([send]);
    return;
  }
  if (db.messages.get(contact.uid, uuid)) {
    // Mine from when I was a sibling (handover), or a duplicate: send only if still unsent.
    if (db.outbox.claimForward(contact.uid, uuid, send)) {
      const m = db.messages.get(contact.uid, uuid);
      if (m) sink.events.push({ kind: 'status', m });
    }
    return;
  }
  const message = {
    peerUid: contact.uid,
    uuid,
    outbound: true,
    type: 'text',
    text: msg.text,
    files: msg.files, // (a sibling's files: the primary and my other devices show them too)
    answerTo: msg.status.answerToUuid ?? '',
    expireAfter: expireAfterOf(msg.status),
    state: 'pending' as const,
    sentAt: msg.status.sent || Date.now(),
    seen: true,
    authorDevice: from.deviceId,
  };
  // The other siblings learn of it now; the author learns when it is sent.
  const fan = ctx.fanOut({ type: 'msg', peerUid: contact.uid, dbMessage: toDbMessage(message) }, from.uid);
  if (db.outbox.insertOutgoing(message, send, fan)) {
    const m = db.messages.get(contact.uid, uuid);
    if (m) sink.events.push({ kind: 'message', m });
  }
}
