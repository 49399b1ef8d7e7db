/**
 * The receive pipeline for one relay message:
 *   1. drop a redelivery by its server id, before any ratchet work;
 *   2. find the channel by the destination lookup key; under that peer's lock,
 *      unpack (every layer checked) with the persisted ratchet;
 *   3. accept only the message types that channel may carry;
 *   4. in ONE SQLite transaction: the message / status changes, the receipts to
 *      send, the device-sync fan-out, and the server id as received;
 *   5. then persist the advanced ratchet, and only then may the caller ack.
 * A crash between 4 and 5 leaves a stale receiving ratchet, which is harmless: the
 * redelivery is dropped by id, and later messages re-derive the same keys.
 */
import { randomUUID } from 'node:crypto';
import { decodeRatchetState, encodeRatchetState } from '../../../protocol/ratchet/stateBinary.js';
import { unpackUserMessage, UnpackError } from '../../../protocol/wire/packing.js';
import { meow } from '../../../protocol/wire/proto.js';
import { isStorageFailure, type MeowError } from '../errors.js';
import { nextVersion } from '../records.js';
import { MAX_NAME_CHARS, MAX_STATUS_CHARS, MAX_TEXT_BYTES } from './limits.js';
import { finalizeInvitation } from '../peers/invitation.js';
import { shortLinkOwner } from '../peers/linkKeys.js';
import type { Peer } from '../peers/peer.js';
import type { OutboxItem, StoredMessage } from '../storage/messageDb.js';
import type { Core } from './core.js';
import { toDbMessage } from './dbMessage.js';
import { receiptState } from './messageState.js';
import { deliveryReceipt } from './receipts.js';
import { afterVerified, applyKeyUpdate, keysForQueue } from '../peers/rotation.js';
import { commitReceive, commitRefusal } from './commitReceive.js';
import { channelLock } from './lockKeys.js';
import { established, onSessionSignal, resetAnswered, sessionSignal } from './sessionReset.js';

/**
 * What the caller does with the relay copy: ack it, or leave it queued for a later pull —
 * `keep` (it overtook an invitation answer: only a few may wait) or `elsewhere` (the contact
 * is now driven by another of my devices, which pulls it: all of it waits, none is dropped).
 */
export type Disposition = 'ack' | 'keep' | 'elsewhere';

/** Types a contact channel may carry; anything else is refused and logged. */
const CONTACT_TYPES = new Set(['text', 'ack', 'profile', 'invitation_answer', 'key_update', 'session_ack']);
/** Content types stored as conversation messages. */
export const STORED_TYPES = new Set(['text']);

/** An answer may arrive late (the other side accepted just before expiry); accept it within this grace. */
const ANSWER_GRACE_MS = 24 * 3600 * 1000;

export interface DeviceReceiver {
  /**
   * Handles a message on one of my device channels, inside that device's lock.
   * Returns the device peer to persist (with its advanced ratchet) or throws.
   */
  receive(
    core: Core,
    device: Peer,
    message: meow.UserMessage,
    serverId: string,
    ratchetState: Uint8Array,
  ): Promise<void>;
  /**
   * A message on a device channel that the batched path may take whole (receiveBatch.ts):
   * what it writes, inside the batch's transaction, and its dedup id. null: it goes
   * through receive(), alone.
   */
  batched?(device: Peer, message: meow.UserMessage): BatchedSync | null;
  /** Whether a dedup id was applied already; markSeen records ids once their batch committed. */
  isSeen?(dedupId: string): boolean;
  markSeen?(dedupIds: string[]): void;
}

/** What a sibling's device message changes: one change, or a batch of them, in order. */
export interface BatchedSync {
  changes: {
    dedupId: string;
    /** The writes, in the caller's transaction; what they stored or changed goes to `events`. */
    apply(events: ReceiveEvent[]): void;
  }[];
}

export interface InboxResult {
  disposition: Disposition;
  stored?: StoredMessage;
}

/**
 * receiveMessage, made safe for the poll loop: a message whose processing throws for any
 * reason but this machine's storage is logged, recorded and acknowledged, so one bad
 * message can never hold a queue (it would come back on every pull). Storage failures
 * propagate: nothing is acknowledged, and the pull is retried later.
 */
export async function receiveSafely(
  core: Core,
  delivered: meow.DeliveredMessage,
  devices: DeviceReceiver | null,
): Promise<Disposition> {
  try {
    return await receiveMessage(core, delivered, devices);
  } catch (e) {
    if (isStorageFailure(e)) throw e;
    core.log.error('dropped a message that could not be processed', {
      id: delivered.id,
      error: (e as Error)?.stack ?? String(e),
    });
    if (delivered.id) core.db.received.record(delivered.id);
    return 'ack';
  }
}

export async function receiveMessage(
  core: Core,
  delivered: meow.DeliveredMessage,
  devices: DeviceReceiver | null,
): Promise<Disposition> {
  const id = delivered.id;
  const packed = delivered.message;
  if (!packed || !id) return 'ack';
  if (core.db.received.has(id)) return 'ack';
  const destination = packed.destination ?? new Uint8Array(0);
  const known = core.peers.byMyLookupKey(destination) ?? core.devices.byMyLookupKey(destination);
  if (!known) {
    core.log.warn('message for a queue this profile no longer has: dropped', { id });
    core.db.received.record(id);
    return 'ack';
  }
  const isDevice = known.type === 'device';
  if (isDevice && known.unlinked) {
    core.log.warn('refused a message from an unlinked device', { device: known.uid, name: known.name });
    core.db.received.record(id);
    return 'ack';
  }
  return core.locks.run(channelLock(isDevice ? 'device' : 'peer', known.uid), async () => {
    const store = isDevice ? core.devices : core.peers;
    let peer = store.get(known.uid);
    if (!peer || core.db.received.has(id)) return 'ack';
    // A contact whose primary role just moved to another of my devices: that device pulls it now.
    if (!isDevice && peer.primaryDeviceUid) return 'elsewhere';
    const invited = peer.state === 'invited';
    let message: meow.UserMessage;
    let ratchetState: Uint8Array;
    try {
      const keys = keysForQueue(peer, destination);
      if (!keys) throw new UnpackError('destination', 'not one of this channel’s queues');
      const u = unpackUserMessage(
        keys,
        decodeRatchetState(peer.drState ?? new Uint8Array(0)),
        packed,
        invited ? { signerKey: 'from-invitation' } : { epoch: peer.sessionEpoch },
      );
      message = u.message;
      ratchetState = encodeRatchetState(u.ratchet);
      if (!isDevice && !invited && u.slot) core.db.channels.noteSlot(peer.uid, u.slot.slot, u.slot.digest);
      // Whatever this message commits carries what it proves about rotations.
      if (!invited) peer = afterVerified(peer, destination, u.signedByPrevious);
    } catch (e) {
      if (invited && e instanceof UnpackError && e.layer === 'message') {
        // A message overtook the invitation answer: leave it queued for after the answer.
        return 'keep';
      }
      // Out of step with the other side (a profile restored from an older copy): sessionReset.ts.
      const signal = !isDevice && e instanceof UnpackError ? sessionSignal(core.db, peer, e) : null;
      if (signal) return onSessionSignal(core, peer, id, signal, e as UnpackError);
      const layer = e instanceof UnpackError ? e.layer : 'unknown';
      core.log.warn('refused a message', {
        peer: peer.uid,
        kind: peer.type,
        layer,
        error: (e as Error).message,
      });
      core.db.received.record(id);
      return 'ack';
    }

    if (message.type === 'key_update' && !invited) {
      // The other side rotated its keys, through this channel's ratchet (peers/rotation.ts).
      let rotated: Peer;
      try {
        rotated = applyKeyUpdate(
          { ...peer, drState: ratchetState, lastActivityAt: Date.now() },
          message.invitation ?? {},
        );
      } catch (e) {
        core.log.warn('refused a key update', { peer: peer.uid, error: (e as Error).message });
        await commitRefusal(core, id, { ...peer, drState: ratchetState });
        return 'ack';
      }
      if (!isDevice) rotated.version = nextVersion(peer.version, core.identity.uid); // siblings show the new safety number
      await commitReceive(core, {
        serverId: id,
        record: rotated,
        recordFirst: true,
        effects: isDevice
          ? undefined
          : () => core.db.outbox.enqueue(core.fanOut({ type: 'peer_update', peer: rotated })),
      });
      core.emit(isDevice ? 'device' : 'contact', peer.uid);
      core.kickPoll();
      return 'ack';
    }

    if (isDevice) {
      if (!devices) {
        core.log.warn('device message without device sync support: dropped', { device: peer.uid });
        core.db.received.record(id);
        return 'ack';
      }
      await devices.receive(core, peer, message, id, ratchetState);
      return 'ack';
    }

    if (!CONTACT_TYPES.has(message.type)) {
      // device_sync / forward on a contact's channel: never (a contact must not reach my devices' logic).
      core.log.warn('refused a message of a type contacts may not send', {
        peer: peer.uid,
        type: message.type,
      });
      await commitRefusal(core, id, { ...peer, drState: ratchetState });
      return 'ack';
    }

    let next: Peer = { ...peer, drState: ratchetState, lastActivityAt: Date.now() };
    // The first message of the session my reset started: it is up, what it held may go.
    const answered = !invited && peer.resetMine !== '';
    if (answered) next = resetAnswered(core, next);
    if (invited) {
      if (message.type !== 'invitation_answer' || !message.invitation) return 'keep';
      if (Date.now() > peer.invitationExpiresAt + ANSWER_GRACE_MS) {
        core.log.warn('refused an answer to an expired invitation', { peer: peer.uid });
        core.db.received.record(id);
        return 'ack';
      }
      try {
        next = {
          ...finalizeInvitation(next, meow.ContactCard.create(message.invitation)),
          drState: ratchetState,
        };
      } catch (e) {
        core.log.warn('refused an invitation answer', { peer: peer.uid, error: (e as MeowError).message });
        core.db.received.record(id);
        return 'ack';
      }
    } else if (peer.state === 'answered') {
      next.state = 'active'; // the inviter has talked back: the invitation is complete on both sides
    }
    if (message.type === 'profile') {
      next.contactName = message.nickname.slice(0, MAX_NAME_CHARS);
      next.status = message.profileStatus.slice(0, MAX_STATUS_CHARS);
    }
    if (STORED_TYPES.has(message.type) && Buffer.byteLength(message.text) > MAX_TEXT_BYTES) {
      core.log.warn('refused a message longer than this client accepts', {
        peer: peer.uid,
        bytes: Buffer.byteLength(message.text),
      });
      await commitRefusal(core, id, next);
      return 'ack';
    }
    // Synced fields changed: a new version, so my other devices take the change.
    const recordChanged = invited || next.state !== peer.state || message.type === 'profile';
    if (recordChanged) next.version = nextVersion(peer.version, core.identity.uid);

    const events: ReceiveEvent[] = [];
    const effects = () => contactEffects(core, peer, next, message, events);
    // An answer or a profile lives in the record: it is saved first (see commitReceive).
    await commitReceive(core, { serverId: id, record: next, recordFirst: recordChanged, effects });
    if (invited || message.type === 'profile' || next.state !== peer.state) core.emit('contact', next.uid);
    if (answered) established(core, next);
    for (const e of events) core.emit(e.kind, e.m);
    if (invited && peer.shortLinkId) void deleteShortLink(core, peer);
    core.kickSend();
    return 'ack';
  });
}

/** The short link's sealed card is no longer needed once answered (best effort; it also expires). */
async function deleteShortLink(core: Core, peer: Peer): Promise<void> {
  const server = peer.myPullServers[0];
  if (!server) return;
  try {
    await core.relayFor(server).deleteInvitation(peer.shortLinkId, shortLinkOwner(peer));
  } catch (e) {
    core.log.info('could not delete an answered invitation from the server', { error: String(e) });
  }
}

export interface ReceiveEvent {
  kind: 'message' | 'status';
  m: StoredMessage;
}

/**
 * What a contact's message writes to messages.db (its message or status changes, the
 * receipts to send back, the fan-out to my other devices), inside the caller's
 * transaction; the events to emit once it commits are pushed onto `events`.
 * `peer` is the channel before the message, `next` after it. With `sink`, the outbox
 * rows are pushed there for the caller to write (a batch merges its receipts first).
 */
export function contactEffects(
  core: Core,
  peer: Peer,
  next: Peer,
  message: meow.UserMessage,
  events: ReceiveEvent[],
  sink?: OutboxItem[],
): void {
  const outbox: OutboxItem[] = [];
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
  } else if (message.type === 'profile') {
    outbox.push(...core.fanOut({ type: 'peer_update', peer: next }));
  }
  if (sink) sink.push(...outbox);
  else if (outbox.length) core.db.outbox.enqueue(outbox);
}
