/**
 * The one way a received relay message is committed, for contacts' channels and my
 * devices' alike. Two stores take part — the channel record (its advanced ratchet, in
 * the peer store) and messages.db (the message's effects and its server id, in ONE
 * transaction) — and their order is chosen so that a crash between them loses nothing:
 *   - the record changed beyond its ratchet (an invitation answer, a profile, a pairing
 *     step): the record first — a redelivery is then refused by the ratchet as a
 *     duplicate, and what it carried is already in the record;
 *   - otherwise the effects and the id first — a redelivery is then dropped by its id,
 *     and the stale receiving ratchet re-derives the same keys for later messages.
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
  if (c.recordFirst) await store.put(record);
  core.db.recordReceived(c.serverId, c.effects);
  if (!c.recordFirst) await store.put(record);
}

/** A message refused or dropped: only its id is recorded (and the ratchet saved, if it moved). */
export async function commitRefusal(core: Core, serverId: string, record?: Peer): Promise<void> {
  core.db.recordReceived(serverId);
  if (record) await core.storeOf(record).put(record);
}
