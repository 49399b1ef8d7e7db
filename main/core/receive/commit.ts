/**
 * Writing a decision (decision.ts): the advanced ratchet, the message's effects (messages,
 * statuses, outbox rows) and its server id in ONE messages.db transaction — a crash leaves
 * all of them or none (then the redelivery is decrypted afresh; no key is left behind among
 * the skipped ones). The channel record (keys, names, state) lives in the peer store and is
 * written only when it changed:
 *   - when it holds what the message carried (an invitation answer, a profile, a pairing
 *     step), before the transaction — a redelivery then finds it already applied;
 *   - otherwise after it (the first message wipes the invitation's secrets, an answered
 *     invitation becomes active): a crash in between only delays that to the next message.
 * commitOne writes one decision; receive.ts groups decisions that need nothing before their
 * transaction (groupable) into one, through the same writes (stageDecision).
 */
import type { RatchetState } from '../../../protocol/ratchet/doubleRatchet.js';
import { encodeRatchetState } from '../../../protocol/ratchet/stateBinary.js';
import type { Core } from '../core.js';
import { mergeReceiptItems } from '../messenger/receipts.js';
import { withoutInvitationSecrets, type Peer } from '../peers/peer.js';
import type { ChannelStep, Change, Decision, Disposition, ReceiveEvent, ReceiveSink } from './decision.js';
import { onSessionSignal } from './sessionReset.js';

export function newSink(): ReceiveSink {
  return { events: [], outbox: [], seen: new Set(), changed: [] };
}

/** The live state a step leaves a channel in (what channel_state holds). */
export interface LiveChannel {
  peer: Peer;
  ratchet: RatchetState;
  activeAt: number;
}

/** Writes a step's ratchet slot, if it carried one (inside the caller's transaction). */
function noteSlot(core: Core, step: ChannelStep): void {
  if (step.slot) core.db.channels.noteSlot(step.peer.uid, step.slot.slot, step.slot.digest);
}

/** Says why a message was dropped. */
function logDrop(core: Core, d: Extract<Decision, { kind: 'drop' }>): void {
  if (d.why) core.log.warn(d.why.msg, { id: d.serverId, ...d.why.data });
}

/**
 * A decision inside a run's transaction (the caller holds the run's channels): its writes,
 * and the channel's live state for the run to stage once at the end. Only groupable ones.
 */
export function stageDecision(
  core: Core,
  d: Decision,
  sink: ReceiveSink,
  channels: Map<string, LiveChannel>,
  key: string,
  afters: (() => void)[],
): void {
  if (d.kind === 'skip') return;
  if (d.kind === 'signal' || (d.kind === 'apply' && (d.prepare || d.record)))
    throw new Error('stageDecision: a decision that must be committed alone');
  if (d.kind === 'drop') logDrop(core, d);
  if (d.step) noteSlot(core, d.step);
  const effects = d.kind === 'apply' ? d.effects : undefined;
  core.db.received.record(d.serverId, effects ? () => effects(sink) : undefined);
  if (d.step) channels.set(key, { peer: d.step.peer, ratchet: d.step.ratchet, activeAt: d.step.activeAt });
  if (d.kind === 'apply' && d.after) afters.push(d.after);
}

/** Commits one decision alone; returns what to do with the relay copy. */
export async function commitOne(
  core: Core,
  d: Decision,
  markSeen?: (ids: string[]) => void,
): Promise<Disposition> {
  switch (d.kind) {
    case 'skip':
      return d.disposition;
    case 'signal':
      return onSessionSignal(core, d.peer, d.serverId, d.signal, d.error);
    case 'drop': {
      logDrop(core, d);
      const step = d.step;
      const state = step ? encodeRatchetState(step.ratchet) : null;
      const store = step ? core.storeOf(step.peer) : null;
      core.db.atomically(() => {
        if (step) {
          store!.stageState(step.peer.uid, state, step.activeAt);
          noteSlot(core, step);
        }
        core.db.received.record(d.serverId);
      });
      if (step) store!.noteState(step.peer.uid, state, step.activeAt);
      return 'ack';
    }
    case 'apply': {
      const change = d.prepare ? await d.prepare() : d;
      if (change === 'refused') core.db.received.record(d.serverId);
      else await commitChange(core, d.serverId, d.step, change, markSeen);
      return 'ack';
    }
  }
}

async function commitChange(
  core: Core,
  serverId: string,
  step: ChannelStep,
  change: Change,
  markSeen?: (ids: string[]) => void,
): Promise<void> {
  const after = change.record ?? step.peer;
  // A channel closed by this message (an unlinked device, a refused pairing) keeps no ratchet.
  const drState = after.type === 'device' && after.unlinked ? null : encodeRatchetState(step.ratchet);
  // A message was received on this channel: the invitation's ratchet secrets have served.
  const record = withoutInvitationSecrets({ ...after, drState, lastActivityAt: step.activeAt });
  const store = core.storeOf(record);
  const recordChanged = store.recordDiffers(record);
  if (change.recordFirst) await store.putRecord(record);
  const sink = newSink();
  core.db.atomically(() => {
    store.stageState(record.uid, drState, step.activeAt);
    noteSlot(core, step);
    core.db.received.record(serverId, () => {
      change.effects?.(sink);
      if (sink.outbox.length) core.db.outbox.enqueue(mergeReceiptItems(sink.outbox));
    });
  });
  store.noteState(record.uid, drState, step.activeAt);
  if (!change.recordFirst && recordChanged) await store.putRecord(record);
  announce(core, sink, markSeen);
  if (sink.changed.length) core.emit(record.type === 'device' ? 'device' : 'contact', record.uid);
  change.after?.();
  core.kickSend();
}

/**
 * More changes than this in one conversation in one commit (a new device's history, a backlog
 * drained after a long time offline) are announced once for the conversation, not one by one.
 */
export const BULK_EVENTS = 20;

/** After a commit: dedup ids marked seen, stored messages and status changes announced. */
export function announce(core: Core, sink: ReceiveSink, markSeen?: (ids: string[]) => void): void {
  if (sink.seen.size) markSeen?.([...sink.seen]);
  const perConversation = new Map<string, ReceiveEvent[]>();
  for (const e of sink.events) {
    const list = perConversation.get(e.m.peerUid) ?? [];
    list.push(e);
    perConversation.set(e.m.peerUid, list);
  }
  for (const e of sink.events)
    if (perConversation.get(e.m.peerUid)!.length <= BULK_EVENTS) core.emit(e.kind, e.m);
  for (const [peerUid, list] of perConversation) {
    if (list.length <= BULK_EVENTS) continue;
    const stored = list.filter((e) => e.kind === 'message').map((e) => e.m);
    const changed = list.filter((e) => e.kind === 'status').map((e) => e.m);
    core.emit('messages', { peerUid, stored, changed });
  }
}
