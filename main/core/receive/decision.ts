/**
 * What one received relay message is, decided once (decide.ts for contacts' channels,
 * devices/decide.ts for my devices'), before anything is written; commit.ts writes it,
 * alone or grouped with others in one transaction (receive.ts). Deciding is pure: it
 * unpacks with the channel's ratchet as given and says what the message changes.
 */
import type { RatchetState } from '../../../protocol/ratchet/doubleRatchet.js';
import type { UnpackError } from '../../../protocol/wire/packing.js';
import type { meow } from '../../../protocol/wire/proto.js';
import type { ContactChannel, DeviceChannel, Peer } from '../peers/peer.js';
import type { OutboxItem, StoredMessage } from '../storage/messageDb.js';
import type { SessionSignal } from './sessionReset.js';

/**
 * What the caller does with the relay copy: ack it, or leave it queued for a later pull —
 * `keep` (it overtook an invitation answer: only a few may wait) or `elsewhere` (the contact
 * is now driven by another of my devices, which pulls it: all of it waits, none is dropped).
 */
export type Disposition = 'ack' | 'keep' | 'elsewhere';

export interface ReceiveEvent {
  kind: 'message' | 'status';
  m: StoredMessage;
}

/** Where a decision's writes put what is announced or sent once they commit. */
export interface ReceiveSink {
  events: ReceiveEvent[];
  /** Outbox rows (receipts are merged per contact before they are written). */
  outbox: OutboxItem[];
  /** Device-sync dedup ids applied (marked seen once the transaction committed). */
  seen: Set<string>;
  /** Channels whose record changed, for their views (kind and uid). */
  changed: ('contact' | 'device')[];
}

/** A channel's ratchet after the message (its record before it is `peer`). */
export interface ChannelStep {
  peer: Peer;
  ratchet: RatchetState;
  activeAt: number;
  /** A contact's received ratchet slot and what it carried (kept to tell a replay from a reused key). */
  slot?: { slot: string; digest: string };
}

/** What the message changes, beyond its channel's ratchet. */
export interface Change {
  /** The channel's record after the message, when anything but its live state changed. */
  record?: Peer;
  /** The record holds what the message carried (an answer, a profile, a pairing step): saved first. */
  recordFirst?: boolean;
  /** Writes that belong to the message, in the transaction that records its id. */
  effects?: (sink: ReceiveSink) => void;
  /** After the commit: announcements and follow-ups (events, wake-ups, best-effort clean-up). */
  after?: () => void;
}

export type Decision =
  /** Nothing to write: a redelivery, or a message that waits on the relay. */
  | { kind: 'skip'; disposition: Disposition }
  /** Refused or dropped: its id is recorded, with the ratchet if it moved. */
  | {
      kind: 'drop';
      serverId: string;
      step?: ChannelStep;
      why?: { msg: string; data: Record<string, unknown> };
    }
  /** Out of step with the other side: a session reset (sessionReset.ts), acted on alone. */
  | {
      kind: 'signal';
      serverId: string;
      peer: ContactChannel;
      signal: Exclude<SessionSignal, null>;
      error: UnpackError;
    }
  /**
   * Applied. `prepare`, when present, is work on other records that must happen first (under
   * their own locks) and says what the message changes (or that it is refused after all);
   * such a message is committed alone.
   */
  | ({
      kind: 'apply';
      serverId: string;
      step: ChannelStep;
      prepare?: () => Promise<Change | 'refused'>;
    } & Change);

/** Whether a decision can be committed inside a run's transaction (nothing to do before it). */
export function groupable(d: Decision): boolean {
  if (d.kind === 'skip' || d.kind === 'drop') return true;
  return d.kind === 'apply' && !d.prepare && !d.record;
}

/** The decision for messages on my devices' channels (devices/decide.ts), as the receive path sees it. */
export interface DeviceDecider {
  decide(device: DeviceChannel, message: meow.UserMessage, serverId: string, step: ChannelStep): Decision;
  /** Records device-sync dedup ids as applied, once the transaction that applied them committed. */
  markSeen(dedupIds: string[]): void;
}
