/**
 * The receive path for a pulled batch: every message is decided once (decide.ts) and its
 * decision committed (commit.ts). Consecutive messages whose decisions need nothing before
 * their transaction — the everyday case: an active contact's texts and receipts, a sibling's
 * fan-out of stored messages and status changes — are committed together: their messages,
 * receipts to send, device fan-out rows, server ids and each channel's final ratchet in ONE
 * messages.db transaction, one fsync for the run instead of one per message. The others
 * (invitation answers, profiles, key updates, pairing steps, a channel's first message,
 * which wipes the invitation's secrets from its record) are committed one by one, in order.
 *
 * The crash promise is the transaction's: a kill before the commit leaves none of the run
 * (the relay still holds all of it, since acks are sent only after the commit, and the
 * redelivery decrypts afresh from the old ratchet); after it, all of it, and the
 * redelivery is dropped by id. Nothing is shown twice, nothing lost.
 *
 * A run touches several channels, so it needs several channel locks: it runs as one
 * synchronous critical section once all of them are free (KeyedMutex.whileFree), which
 * never holds some while waiting for others (the device path takes a contact's lock under
 * a device's) and cannot be broken by an await.
 */
import type { RatchetState } from '../../../protocol/ratchet/doubleRatchet.js';
import { encodeRatchetState } from '../../../protocol/ratchet/stateBinary.js';
import type { meow } from '../../../protocol/wire/proto.js';
import type { Core } from '../core.js';
import { isStorageFailure } from '../errors.js';
import { channelLock } from '../locks.js';
import { mergeReceiptItems } from '../messenger/receipts.js';
import type { Peer } from '../peers/peer.js';
import { announce, commitOne, newSink, stageDecision, type LiveChannel } from './commit.js';
import { channelOf, decide } from './decide.js';
import { groupable, type DeviceDecider, type Disposition } from './decision.js';

/** The lock of a channel. */
export const lockOf = (peer: Peer): string =>
  channelLock(peer.type === 'device' ? 'device' : 'peer', peer.uid);

/** Receives `batch` in order; one disposition per message (ack, or keep it queued). */
export async function receiveAll(
  core: Core,
  batch: meow.IDeliveredMessage[],
  devices: DeviceDecider | null,
): Promise<Disposition[]> {
  const out: Disposition[] = [];
  let i = 0;
  while (i < batch.length) {
    let j = i;
    while (j < batch.length && settled(channelOf(core, batch[j]!))) j++;
    if (j > i) {
      const done = await receiveRun(core, batch.slice(i, j), devices);
      out.push(...done);
      i += done.length;
      if (i === j) continue;
    }
    // Not on a settled channel, or the run stopped at it: committed alone.
    out.push(await receiveOne(core, batch[i]!, devices));
    i++;
  }
  return out;
}

/**
 * Channels whose messages are usually committed in a run (an active contact this device
 * drives, a confirmed sibling): a run takes their locks. What each message does is still
 * decided by decide(); a run stops at the first whose decision is not groupable.
 */
function settled(peer: Peer | undefined): boolean {
  if (!peer || peer.state !== 'active') return false;
  return peer.type === 'contact' ? !peer.primary : !peer.unlinked && !!peer.pairing?.confirmed;
}

/** One message, alone, under its channel's lock. */
export async function receiveOne(
  core: Core,
  dm: meow.IDeliveredMessage,
  devices: DeviceDecider | null,
): Promise<Disposition> {
  const markSeen = devices ? (ids: string[]) => devices.markSeen(ids) : undefined;
  try {
    const channel = channelOf(core, dm);
    if (!channel) return await commitOne(core, decide(core, dm, devices), markSeen);
    return await core.locks.run(lockOf(channel), () => commitOne(core, decide(core, dm, devices), markSeen));
  } catch (e) {
    return unprocessable(core, dm, e);
  }
}

/**
 * A message whose processing threw for any reason but this machine's storage is logged,
 * recorded and acknowledged: one bad message can never hold a queue (it would come back on
 * every pull). Storage failures propagate: nothing is acknowledged, the pull is retried.
 */
function unprocessable(core: Core, dm: meow.IDeliveredMessage, e: unknown): Disposition {
  if (isStorageFailure(e)) throw e;
  core.log.error('dropped a message that could not be processed', {
    id: dm.id,
    error: (e as Error)?.stack ?? String(e),
  });
  if (dm.id) core.db.received.record(dm.id);
  return 'ack';
}

/** A prefix of `run` committed in one transaction (all of it, unless a message must go alone). */
async function receiveRun(
  core: Core,
  run: meow.IDeliveredMessage[],
  devices: DeviceDecider | null,
): Promise<Disposition[]> {
  const keys = [...new Set(run.map((dm) => lockOf(channelOf(core, dm)!)))];
  const channels = new Map<string, LiveChannel>();
  const sink = newSink();
  const afters: (() => void)[] = [];
  const staged: [Peer, Uint8Array, number][] = [];
  const dispositions = await core.locks.whileFree(keys, () => {
    const out: Disposition[] = [];
    core.db.atomically(() => {
      for (const dm of run) {
        const d = decideInRun(core, dm, devices, channels);
        if (d === 'alone') break;
        out.push(d);
      }
      // The run's receipts to each contact: one row each, not one per message.
      if (sink.outbox.length) core.db.outbox.enqueue(mergeReceiptItems(sink.outbox));
      // Each channel's ratchet, serialised once for the whole run.
      for (const c of channels.values()) {
        const state = encodeRatchetState(c.ratchet);
        core.storeOf(c.peer).stageState(c.peer.uid, state, c.activeAt);
        staged.push([c.peer, state, c.activeAt]);
      }
    });
    return out;
  });
  if (!dispositions) return [];
  for (const [peer, state, activeAt] of staged) core.storeOf(peer).noteState(peer.uid, state, activeAt);
  announce(core, sink, devices ? (ids) => devices.markSeen(ids) : undefined);
  for (const [peer] of staged) if (peer.type === 'device') core.emit('device', peer.uid);
  for (const f of afters) f();
  if (dispositions.length) core.kickSend();
  return dispositions;

  /**
   * One message of the run, in its own savepoint: a message that fails for any reason but
   * storage is dropped alone, as receiveOne does. 'alone': nothing of it was written.
   */
  function decideInRun(
    core: Core,
    dm: meow.IDeliveredMessage,
    devices: DeviceDecider | null,
    channels: Map<string, LiveChannel>,
  ): Disposition | 'alone' {
    const known = channelOf(core, dm);
    const key = known ? lockOf(known) : '';
    const current: { peer: Peer; ratchet: RatchetState } | undefined = channels.get(key);
    // What the message adds to the run joins it only once its savepoint has held.
    const local = { ...newSink(), seen: new Set(sink.seen) };
    const mine = new Map<string, LiveChannel>();
    const later: (() => void)[] = [];
    try {
      const d = core.db.atomically(() => {
        const d = decide(core, dm, devices, current);
        if (groupable(d)) stageDecision(core, d, local, mine, key, later);
        return d;
      });
      if (!groupable(d)) return 'alone';
      sink.events.push(...local.events);
      sink.outbox.push(...local.outbox);
      sink.changed.push(...local.changed);
      for (const id of local.seen) sink.seen.add(id);
      for (const [k, c] of mine) channels.set(k, c);
      afters.push(...later);
      return d.kind === 'skip' ? d.disposition : 'ack';
    } catch (e) {
      return unprocessable(core, dm, e);
    }
  }
}
