/**
 * The one way a received relay message is committed, for contacts' channels and my
 * devices' alike: the advanced ratchet, the message's effects (messages, statuses,
 * outbox rows) and its server id in ONE messages.db transaction — a crash leaves all of
 * them or none (then the redelivery is decrypted afresh; no key is left behind among the
 * skipped ones). The channel record (keys, names, state) lives in the peer store and is
 * written only when it changed:
 *   - when it holds what the message carried (an invitation answer, a profile, a pairing
 *     step), before the transaction — a redelivery then finds it already applied;
 *   - otherwise after it (the first message wipes the invitation's secrets, an answered
 *     invitation becomes active): a crash in between only delays that to the next message.
 */
import { withoutInvitationSecrets, type Peer } from '../peers/peer.js';
import type { Core } from './core.js';

export interface ReceiveCommit {
  serverId: string;
  /** The channel record after this message. */
  record: Peer;
  /** The record holds what the message carried (see above): saved first. */
  recordFirst?: boolean;
  /** Writes that belong to the message, in the transaction that records its id. */
  effects?: () => void;
}

export async function commitReceive(core: Core, c: ReceiveCommit): Promise<void> {
  // A message was received on this channel: the invitation's ratchet secrets have served.
  const record = withoutInvitationSecrets(c.record);
  const store = core.storeOf(record);
  const recordChanged = store.recordDiffers(record);
  if (c.recordFirst) await store.putRecord(record);
  core.db.atomically(() => {
    store.stageState(record.uid, record.drState, record.lastActivityAt);
    core.db.received.record(c.serverId, c.effects);
  });
  store.noteState(record.uid, record.drState, record.lastActivityAt);
  if (!c.recordFirst && recordChanged) await store.putRecord(record);
}

/** A message refused or dropped: its id is recorded, with the ratchet if it moved. */
export async function commitRefusal(core: Core, serverId: string, record?: Peer): Promise<void> {
  const store = record && core.storeOf(record);
  core.db.atomically(() => {
    if (record) store!.stageState(record.uid, record.drState, record.lastActivityAt);
    core.db.received.record(serverId);
  });
  if (record) store!.noteState(record.uid, record.drState, record.lastActivityAt);
}
