/** The shared state the send and receive pipelines work on (implemented by Messenger). */
import type { Identity, IdentityFile } from './identity/identity.js';
import type { Logger } from './log.js';
import type { ContactChannel, DeviceChannel, Peer } from './peers/peer.js';
import type { PeerStore } from './peers/peerStore.js';
import type { ServerRef } from './records.js';
import type { Relay } from './relay.js';
import type { MessageDb, OutboxItem } from './storage/messageDb.js';
import type { MessengerEvents } from './events.js';
import type { KeyedMutex } from './locks.js';
import type { RelayHealth } from './messenger/retryPolicy.js';
import type { SyncChange } from './devices/syncChange.js';

/**
 * Read-modify-write of one channel under its lock, from the record as stored now (never
 * from an older snapshot, which could roll its ratchet back). `fn` returns the new record, or
 * null to leave it. Not for callers already holding that channel's lock.
 */
export interface UpdatePeer {
  (
    type: 'contact',
    uid: string,
    fn: (current: ContactChannel) => ContactChannel | null,
  ): Promise<ContactChannel | undefined>;
  (
    type: 'device',
    uid: string,
    fn: (current: DeviceChannel) => DeviceChannel | null,
  ): Promise<DeviceChannel | undefined>;
}

export interface Core {
  readonly dir: string;
  readonly identityFile: IdentityFile;
  readonly identity: Identity;
  readonly peers: PeerStore<ContactChannel>;
  readonly devices: PeerStore<DeviceChannel>;
  readonly db: MessageDb;
  readonly log: Logger;
  readonly locks: KeyedMutex;
  /** The longest a transient failure waits before the next attempt (ms). */
  readonly retryCeilingMs: number;
  /** Says once when a relay refuses every request (retryPolicy.ts). */
  readonly relayHealth: RelayHealth;
  relayFor(server: ServerRef): Relay;
  emit<K extends keyof MessengerEvents>(event: K, ...args: MessengerEvents[K]): void;
  /** Wakes the send loop (something was queued). */
  kickSend(): void;
  /** Wakes the poll loops (the set of queues to pull changed). */
  kickPoll(): void;
  /** The peer store a peer lives in. */
  storeOf<T extends Peer>(peer: T): PeerStore<T>;
  readonly updatePeer: UpdatePeer;
  /** A per-profile strictly increasing clock (ms), so message order is total. */
  clock(): number;
  /**
   * Outbox rows that replicate `change` to my other devices. Callers write them in
   * the same transaction as the change itself, so a crash cannot lose a sync.
   */
  fanOut(change: SyncChange, exceptDevice?: string): OutboxItem[];
}
