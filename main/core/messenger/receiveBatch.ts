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
 * My devices' channels take the batched path too for what a sibling sends on every message
 * (a stored message or a status change, the fan-out): DeviceReceiver.batched says what
 * such a message writes, and its dedup id is marked once the run has committed (a crash in
 * between leaves the server id recorded, so the redelivery is dropped before that matters).
 *
 * A run touches several channels, so it needs several channel locks. Rather than
 * holding some while waiting for others (a lock-order hazard with the device path,
 * which takes a contact's lock under a device's), it waits until all of them are free
 * and then does its work synchronously, up to the commit: nothing else can run in
 * between, which is what holding the locks would guarantee.
 */
import { type RatchetState } from '../../../protocol/ratchet/doubleRatchet.js';
import { decodeRatchetState, encodeRatchetState } from '../../../protocol/ratchet/stateBinary.js';
import { unpackUserMessage, UnpackError } from '../../../protocol/wire/packing.js';
import type { meow } from '../../../protocol/wire/proto.js';
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
import { channelLock } from './lockKeys.js';
import { sessionSignal } from './sessionReset.js';
import { mergeReceiptItems } from './receipts.js';
import type { OutboxItem } from '../storage/messageDb.js';

/** Types the batched path takes; the rest change the channel record (see receiveSafely). */
const BATCHED_TYPES = new Set(['text', 'ack']);

interface Channel {
  peer: Peer;
  ratchet: RatchetState;
  activeAt: number;
}

/** What a run collects, to write or announce once it commits. */
interface RunState {
  channels: Map<string, Channel>;
  events: ReceiveEvent[];
  outbox: OutboxItem[];
  /** Device sync dedup ids applied in the run. */
  synced: Set<string>;
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
    while (j < batch.length && batchable(core, batch[j]!, devices)) j++;
    if (j > i) {
      const run = await receiveRun(core, batch.slice(i, j), devices);
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

/** The channel of a message: a contact's, or one of my devices'. */
function channelOf(core: Core, dm: meow.DeliveredMessage): Peer | undefined {
  const destination = dm.message?.destination ?? new Uint8Array(0);
  return core.peers.byMyLookupKey(destination) ?? core.devices.byMyLookupKey(destination);
}

/** A message for an active contact's or confirmed sibling's channel (what it carries is known only once decrypted). */
function batchable(core: Core, dm: meow.DeliveredMessage, devices: DeviceReceiver | null): boolean {
  const peer = channelOf(core, dm);
  return !!peer && everyday(peer, devices);
}

function everyday(peer: Peer, devices: DeviceReceiver | null): boolean {
  const settled =
    peer.type === 'contact'
      ? !peer.primaryDeviceUid
      : !!devices?.batched && !peer.unlinked && !!peer.pairing?.confirmed;
  return (
    peer.state === 'active' &&
    settled &&
    // Waiting for the answer to my session reset: its first message completes it, one by one.
    peer.resetMine === '' &&
    // The first message after an invitation wipes its secrets from the record: one by one.
    peer.drKp.privateKey.every((b) => b === 0) &&
    peer.drRootKey.every((b) => b === 0)
  );
}

const lockOf = (peer: Peer) => channelLock(peer.type === 'device' ? 'device' : 'peer', peer.uid);

async function receiveRun(
  core: Core,
  run: meow.DeliveredMessage[],
  devices: DeviceReceiver | null,
): Promise<{ dispositions: Disposition[] }> {
  const keys = [...new Set(run.map((dm) => lockOf(channelOf(core, dm)!)))];
  if (!(await core.locks.whenIdle(keys))) return { dispositions: [] };
  // From here to the commit: synchronous, so no other holder of these locks can interleave.
  const state: RunState = { channels: new Map(), events: [], outbox: [], synced: new Set() };
  const { channels, events, outbox } = state;
  const dispositions: Disposition[] = [];
  core.db.atomically(() => {
    for (const dm of run) {
      if (receiveOne(core, dm, state, devices) === 'alone') break;
      dispositions.push('ack');
    }
    // The run's receipts to each contact: one row each, not one per message.
    if (outbox.length) core.db.outbox.enqueue(mergeReceiptItems(outbox));
    // Each channel's ratchet, serialised once for the whole run.
    for (const c of channels.values()) c.peer = { ...c.peer, drState: encodeRatchetState(c.ratchet) };
    for (const c of channels.values())
      core.storeOf(c.peer).stageState(c.peer.uid, c.peer.drState, c.activeAt);
  });
  for (const c of channels.values()) core.storeOf(c.peer).noteState(c.peer.uid, c.peer.drState, c.activeAt);
  if (state.synced.size) devices!.markSeen!([...state.synced]);
  for (const e of events) core.emit(e.kind, e.m);
  for (const c of channels.values()) if (c.peer.type === 'device') core.emit('device', c.peer.uid);
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
  run: RunState,
  devices: DeviceReceiver | null,
): 'done' | 'alone' {
  const { channels, events, outbox } = run;
  const id = dm.id;
  const packed = dm.message;
  if (!packed || !id) return 'done';
  try {
    return core.db.atomically(() => {
      if (core.db.received.has(id)) return 'done';
      const destination = packed.destination ?? new Uint8Array(0);
      const known = core.peers.byMyLookupKey(destination) ?? core.devices.byMyLookupKey(destination);
      if (!known) return 'alone';
      const current = channels.get(lockOf(known));
      const peer = current?.peer ?? known;
      if (!everyday(peer, devices)) return 'alone';
      const ratchet = current?.ratchet ?? decodeRatchetState(peer.drState ?? new Uint8Array(0));
      let message: meow.UserMessage;
      let next: RatchetState;
      try {
        const keys = keysForQueue(peer, destination);
        if (!keys) throw new UnpackError('destination', 'not one of this channel’s queues');
        const u = unpackUserMessage(keys, ratchet, packed, { epoch: peer.sessionEpoch });
        // What it proves about a rotation changes the record: the one-message path writes it.
        if (afterVerified(peer, destination, u.signedByPrevious) !== peer) return 'alone';
        message = u.message;
        next = u.ratchet;
        if (u.slot && peer.type === 'contact')
          core.db.channels.noteSlot(peer.uid, u.slot.slot, u.slot.digest);
      } catch (e) {
        if (isStorageFailure(e)) throw e;
        // A session reset, or a ratchet out of step: the one-message path acts on it (sessionReset.ts).
        if (e instanceof UnpackError && sessionSignal(core.db, peer, e)) return 'alone';
        core.log.warn('refused a message', {
          peer: peer.uid,
          kind: peer.type,
          layer: e instanceof UnpackError ? e.layer : 'unknown',
          error: (e as Error).message,
        });
        core.db.received.record(id);
        return 'done';
      }
      if (peer.type === 'device') return syncOne(core, id, peer, next, message, run, devices!);
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
        core.db.received.record(id);
      } else {
        core.db.received.record(id, () => contactEffects(core, peer, after.peer, message, local, rows));
      }
      channels.set(lockOf(peer), after);
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
    core.db.received.record(id);
    return 'done';
  }
}

/** A sibling's stored message or status change, or a batch of them, in the run's transaction (see receiveOne). */
function syncOne(
  core: Core,
  id: string,
  device: Peer,
  next: RatchetState,
  message: meow.UserMessage,
  run: RunState,
  devices: DeviceReceiver,
): 'done' | 'alone' {
  const sync = devices.batched!(device, message);
  if (!sync) return 'alone';
  const local: ReceiveEvent[] = [];
  // Each change once, by its dedup id (a batch's changes have one each), in order.
  const fresh = sync.changes.filter((c) => !run.synced.has(c.dedupId) && !devices.isSeen!(c.dedupId));
  core.db.received.record(id, fresh.length ? () => fresh.forEach((c) => c.apply(local)) : undefined);
  const activeAt = Date.now();
  run.channels.set(lockOf(device), {
    peer: { ...device, lastActivityAt: activeAt },
    ratchet: next,
    activeAt,
  });
  for (const c of fresh) run.synced.add(c.dedupId);
  run.events.push(...local);
  return 'done';
}
