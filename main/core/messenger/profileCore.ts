/**
 * The shared state of one open profile, as every pipeline and module sees it (Core): the
 * identity, the two peer stores over messages.db, the locks, the relay connections, the
 * clock and the events. It owns no behaviour of its own: the fan-out and the wake-ups are
 * ports that Messenger connects to the device layer and the network loops.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { Core, UpdatePeer } from '../core.js';
import type { MessengerEvents } from '../events.js';
import type { Identity, IdentityFile } from '../identity/identity.js';
import { KeyedMutex, channelLock } from '../locks.js';
import type { Logger } from '../log.js';
import type { ContactChannel, DeviceChannel, Peer } from '../peers/peer.js';
import { PeerStore } from '../peers/peerStore.js';
import type { ServerRef } from '../records.js';
import type { Relay, RelayFactory } from '../relay.js';
import type { SyncChange } from '../devices/syncChange.js';
import type { MessageDb, OutboxItem } from '../storage/messageDb.js';
import { RelayHealth } from './retryPolicy.js';

export interface CoreHooks {
  fanOut(change: SyncChange, exceptDevice?: string): OutboxItem[];
  kickSend(): void;
  kickPoll(): void;
}

export class ProfileCore extends EventEmitter implements Core {
  readonly peers: PeerStore<ContactChannel>;
  readonly devices: PeerStore<DeviceChannel>;
  readonly locks = new KeyedMutex();
  readonly relayHealth: RelayHealth;
  private readonly relays = new Map<string, Relay>();
  private lastClock = 0;
  /** Connected by Messenger once the device layer and the loops exist. */
  hooks: CoreHooks = { fanOut: () => [], kickSend: () => undefined, kickPoll: () => undefined };

  constructor(
    readonly dir: string,
    readonly identityFile: IdentityFile,
    readonly db: MessageDb,
    readonly log: Logger,
    private readonly relayFactory: RelayFactory,
    readonly retryCeilingMs: number,
    refusalNotice?: { count: number; afterMs: number },
  ) {
    super();
    const key = identityFile.identity.storageKey;
    this.peers = new PeerStore(join(dir, 'peers'), key, 'contacts', 'peer', db);
    this.devices = new PeerStore(join(dir, 'devices'), key, 'devices', 'device', db);
    this.relayHealth = new RelayHealth(
      (server, code) => this.emit('notice', { code: 'RELAY_REFUSING', params: { server, code } }),
      refusalNotice?.count,
      refusalNotice?.afterMs,
    );
  }

  get identity(): Identity {
    return this.identityFile.identity;
  }

  override emit<K extends keyof MessengerEvents>(event: K, ...args: MessengerEvents[K]): boolean {
    return super.emit(event, ...args);
  }

  relayFor(server: ServerRef): Relay {
    // Keyed by URL and pinned key: a contact's card naming my server with another key
    // gets a connection of its own (which fails), never replaces mine.
    const id = `${server.url} ${server.publicKey}`;
    let r = this.relays.get(id);
    if (!r) {
      r = this.relayFactory.connect(
        server.url,
        Buffer.from(server.publicKey, 'base64'),
        this.identity.device,
      );
      this.relays.set(id, r);
    }
    return r;
  }

  /** Ends the relay connections (sessions say bye; the relay takes it as an end, not a cut). */
  closeRelays(): void {
    for (const r of this.relays.values()) r.close?.();
    this.relays.clear();
  }

  storeOf<T extends Peer>(peer: T): PeerStore<T> {
    return (peer.type === 'device' ? this.devices : this.peers) as unknown as PeerStore<T>;
  }

  readonly updatePeer = ((type: 'contact' | 'device', uid: string, fn: (c: never) => Peer | null) => {
    const store = (type === 'device' ? this.devices : this.peers) as unknown as PeerStore<Peer>;
    const change = fn as (current: Peer) => Peer | null;
    return this.locks.run(channelLock(type === 'device' ? 'device' : 'peer', uid), async () => {
      const current = store.get(uid);
      if (!current) return undefined;
      const next = change(current);
      if (!next) return current;
      await store.put(next);
      return next;
    });
  }) as UpdatePeer;

  clock(): number {
    this.lastClock = Math.max(Date.now(), this.lastClock + 1);
    return this.lastClock;
  }

  fanOut(change: SyncChange, exceptDevice?: string): OutboxItem[] {
    return this.hooks.fanOut(change, exceptDevice);
  }

  kickSend(): void {
    this.hooks.kickSend();
  }

  kickPoll(): void {
    this.hooks.kickPoll();
  }
}
