/**
 * The receive path for a pulled batch. Runs of messages on contacts' channels in the
 * everyday case (an active contact sending texts or receipts) are verified, decrypted
 * and committed together: their messages, receipts to send, device fan-out rows, server
 * ids and each channel's final ratchet in ONE messages.db transaction — one fsync for
 * the run instead of one per message. Everything else (invitation answers, profiles,
 * key updates, my devices' channels, a contact's first message, which wipes the
 * invitation's secrets from its record) goes one by one through receiveSafely, in order.
 *
 * The crash promise is the transaction's: a kill before the commit leaves none of the
 * run (the relay still holds all of it, since acks are sent only after the commit, and
 * the redelivery decrypts afresh from the old ratchet); after it, all of it, and the
 * redelivery is dropped by id. Nothing is shown twice, nothing lost.
 *
 * A run touches several channels, so it needs several channel locks. Rather than
 * holding some while waiting for others (a lock-order hazard with the device path,
 * which takes a contact's lock under a device's), it waits until all of them are free
 * and then does its work synchronously, up to the commit: nothing else can run in
 * between, which is what holding the locks would guarantee.
 */
import { type RatchetState } from '../../ratchet/doubleRatchet.js';
import { decodeRatchetState, encodeRatchetState } from '../../ratchet/stateBinary.js';
import { unpackUserMessage, UnpackError } from '../../wire/packing.js';
import type { meow } from '../../wire/proto.js';
import { isStorageFailure } from '../errors.js';
import type { Peer } from '../peers/peer.js';
import { afterVerified, keysForQueue } from '../peers/rotation.js';
import type { Core } from './core.js';
import {
  contactEffects,
  receiveSafely,
  STORED_TYPES,
  type DeviceReceiver,
  type Disposition,
  type ReceiveEvent,
} from './inbox.js';
import { MAX_TEXT_BYTES } from './limits.js';
import { contactLock } from './lockKeys.js';
import { mergeReceiptItems } from './receipts.js';
import type { OutboxItem } from '../storage/messageDb.js';

/** Types the batched path takes; the rest change the channel record (see receiveSafely). */
const BATCHED_TYPES = new Set(['text', 'ack']);

interface Channel {
  peer: Peer;
  ratchet: RatchetState;
  activeAt: number;
}

/** Receives `batch` in order; one disposition per message (ack, or keep it queued). */
export async function receiveBatch(
  core: Core,
  batch: meow.DeliveredMessage[],
  devices: DeviceReceiver | null,
): Promise<Disposition[]> {
  const out: Disposition[] = [];
  let i = 0;
  while (i < batch.length) {
    let j = i;
    while (j < batch.length && batchable(core, batch[j]!)) j++;
    if (j > i) {
      const run = await receiveRun(core, batch.slice(i, j));
      out.push(...run.dispositions);
      i += run.dispositions.length;
      if (i === j) continue;
    }
    // Not batchable, or the run stopped at it: the one-message path.
    out.push(await receiveSafely(core, batch[i]!, devices));
    i++;
  }
  return out;
}

/** A message for an active contact's channel (what it carries is known only once decrypted). */
function batchable(core: Core, dm: meow.DeliveredMessage): boolean {
  const peer = core.peers.byMyLookupKey(dm.message?.destination ?? new Uint8Array(0));
  return !!peer && peer.type === 'contact' && everyday(peer);
}

function everyday(peer: Peer): boolean {
  return (
    peer.state === 'active' &&
    !peer.primaryDeviceUid &&
    // The first message after an invitation wipes its secrets from the record: one by one.
    peer.drKp.privateKey.every((b) => b === 0) &&
    peer.drRootKey.every((b) => b === 0)
  );
}

async function receiveRun(
  core: Core,
  run: meow.DeliveredMessage[],
): Promise<{ dispositions: Disposition[] }> {
  const keys = [
    ...new Set(
      run.map((dm) =>
        contactLock(core.peers.byMyLookupKey(dm.message!.destination ?? new Uint8Array(0))!.uid),
      ),
    ),
  ];
  if (!(await core.locks.whenIdle(keys))) return { dispositions: [] };
  // From here to the commit: synchronous, so no other holder of these locks can interleave.
  const channels = new Map<string, Channel>();
  const events: ReceiveEvent[] = [];
  const outbox: OutboxItem[] = [];
  const dispositions: Disposition[] = [];
  core.db.atomically(() => {
    for (const dm of run) {
      if (receiveOne(core, dm, channels, events, outbox) === 'alone') break;
      dispositions.push('ack');
    }
    // The run's receipts to each contact: one row each, not one per message.
    if (outbox.length) core.db.enqueue(mergeReceiptItems(outbox));
    // Each channel's ratchet, serialised once for the whole run.
    for (const c of channels.values()) c.peer = { ...c.peer, drState: encodeRatchetState(c.ratchet) };
    for (const [uid, c] of channels) core.peers.stageState(uid, c.peer.drState, c.activeAt);
  });
  for (const [uid, c] of channels) core.peers.noteState(uid, c.peer.drState, c.activeAt);
  for (const e of events) core.emit(e.kind, e.m);
  if (dispositions.length) core.kickSend();
  return { dispositions };
}

/**
 * One message of a run, inside the run's transaction (and its own savepoint, so a message
 * that fails for any reason but storage is dropped alone, as receiveSafely does).
 * 'alone': it needs the one-message path — nothing of it was written.
 */
function receiveOne(
  core: Core,
  dm: meow.DeliveredMessage,
  channels: Map<string, Channel>,
  events: ReceiveEvent[],
  outbox: OutboxItem[],
): 'done' | 'alone' {
  const id = dm.id;
  const packed = dm.message;
  if (!packed || !id) return 'done';
  try {
    return core.db.atomically(() => {
      if (core.db.hasReceived(id)) return 'done';
      const destination = packed.destination ?? new Uint8Array(0);
      const known = core.peers.byMyLookupKey(destination);
      if (!known || known.type !== 'contact') return 'alone';
      const current = channels.get(known.uid);
      const peer = current?.peer ?? known;
      if (!everyday(peer)) return 'alone';
      const ratchet = current?.ratchet ?? decodeRatchetState(peer.drState ?? new Uint8Array(0));
      let message: meow.UserMessage;
      let next: RatchetState;
      try {
        const keys = keysForQueue(peer, destination);
        if (!keys) throw new UnpackError('destination', 'not one of this channel’s queues');
        const u = unpackUserMessage(keys, ratchet, packed);
        // What it proves about a rotation changes the record: the one-message path writes it.
        if (afterVerified(peer, destination, u.signedByPrevious) !== peer) return 'alone';
        message = u.message;
        next = u.ratchet;
      } catch (e) {
        if (isStorageFailure(e)) throw e;
        core.log.warn('refused a message', {
          peer: peer.uid,
          kind: peer.type,
          layer: e instanceof UnpackError ? e.layer : 'unknown',
          error: (e as Error).message,
        });
        core.db.recordReceived(id);
        return 'done';
      }
      if (!BATCHED_TYPES.has(message.type)) return 'alone';
      const activeAt = Date.now();
      // The record's drState is filled in once, at the end of the run (serialised once per channel).
      const after: Channel = { peer: { ...peer, lastActivityAt: activeAt }, ratchet: next, activeAt };
      const local: ReceiveEvent[] = [];
      const rows: OutboxItem[] = [];
      if (STORED_TYPES.has(message.type) && Buffer.byteLength(message.text) > MAX_TEXT_BYTES) {
        core.log.warn('refused a message longer than this client accepts', {
          peer: peer.uid,
          bytes: Buffer.byteLength(message.text),
        });
        core.db.recordReceived(id);
      } else {
        core.db.recordReceived(id, () => contactEffects(core, peer, after.peer, message, local, rows));
      }
      channels.set(peer.uid, after);
      events.push(...local);
      outbox.push(...rows);
      return 'done';
    });
  } catch (e) {
    if (isStorageFailure(e)) throw e;
    core.log.error('dropped a message that could not be processed', {
      id,
      error: (e as Error)?.stack ?? String(e),
    });
    core.db.recordReceived(id);
    return 'done';
  }
}
