/**
 * What the multi-device modules (fan-out, routing, the handlers of what siblings send,
 * handover, unlink, pairing, introductions) need of the rest of the core, as narrow ports,
 * and who my devices are. Messenger wires the ports (the one place devices and messenger
 * meet); a test can wire them over real stores without a relay or a Messenger.
 */
import { randomUUID } from 'node:crypto';
import { canSend } from '../../../protocol/ratchet/doubleRatchet.js';
import { decodeRatchetState } from '../../../protocol/ratchet/stateBinary.js';
import type { meow } from '../../../protocol/wire/proto.js';
import type { Core } from '../core.js';
import { MeowError } from '../errors.js';
import type { Identity, Owed } from '../identity/identity.js';
import type { ContactChannel, DeviceChannel } from '../peers/peer.js';
import type { OutboxItem } from '../storage/messageDb.js';
import type { DedupStore } from './dedupStore.js';
import { encodePeerData, encodeProfile, encodeServers, syncItem, type SyncType } from './payloads.js';
import type { SyncChange } from './syncChange.js';
import { canReceive } from './capabilities.js';

/** Changes to my identity, each saved with what it owes my devices and contacts (messenger/profile.ts). */
export interface ProfilePort {
  change(change: (current: Readonly<Identity>) => Partial<Identity> | null, owes?: Owed[]): Promise<boolean>;
}

/** Queues a rotation of my keys of a channel (messenger/rotationSchedule.ts). */
export interface RotationPort {
  rotateChannel(kind: 'peer' | 'device', uid: string): boolean;
}

/** My contacts as the person names them (messenger/contacts.ts). */
export interface ContactsPort {
  find(ref: string): ContactChannel;
  list(): ContactChannel[];
  readLink(link: string, kind: 'invite' | 'pair'): Promise<meow.ContactCard>;
}

/** Packs and posts what is due now (before a channel's keys are dropped). */
export interface SendPort {
  flush(): Promise<unknown>;
}

export interface DevicePorts {
  core: Core;
  profile: ProfilePort;
  rotation: RotationPort;
  contacts: ContactsPort;
  send: SendPort;
  dedup: DedupStore;
}

/** The ports, and who my devices are. */
export class DeviceContext {
  readonly core: Core;
  /** On a new device: how far the initial sync has come, per device channel (shown, not stored). */
  readonly progress = new Map<string, { done: number; total: number }>();
  constructor(readonly ports: DevicePorts) {
    this.core = ports.core;
  }

  get me(): Identity {
    return this.core.identity;
  }

  /** Devices this one syncs with: paired, confirmed, not unlinked. */
  siblings(): DeviceChannel[] {
    return this.core.devices
      .all()
      .filter((d) => !d.unlinked && d.pairing?.confirmed && d.contactLookupKey && d.state !== 'invited');
  }

  deviceById(deviceId: string): DeviceChannel | undefined {
    return this.core.devices.all().find((d) => d.deviceId === deviceId && !d.unlinked);
  }

  /** The device id of a contact's primary device. */
  primaryIdOf(peer: ContactChannel): string {
    if (!peer.primary) return this.me.uid;
    return this.core.devices.get(peer.primary.device)?.deviceId ?? '';
  }

  /** One device_sync row for `device`, which must take that kind (capabilities.ts). */
  send(device: DeviceChannel, syncType: SyncType, payload: meow.IDeviceSyncPayload = {}): OutboxItem {
    if (!canReceive(device, syncType))
      throw new MeowError('REFUSED', { detail: `${device.name} does not take "${syncType}" changes` });
    return syncItem(device, { ...payload, syncType }, this.me.uid);
  }

  /** Core.fanOut: one device_sync row per sibling that can take it, written with the change itself. */
  fanOut(change: SyncChange, exceptDevice?: string): OutboxItem[] {
    const type = change.type;
    const targets = this.siblings().filter((d) => d.uid !== exceptDevice && canReceive(d, type));
    if (targets.length === 0) return [];
    const payload = { ...this.payloadFor(change), dedupId: randomUUID() };
    return targets.map((d) => syncItem(d, payload, this.me.uid));
  }

  private payloadFor(change: SyncChange): meow.IDeviceSyncPayload {
    switch (change.type) {
      case 'msg':
      case 'status':
        return { syncType: change.type, peerUid: change.peerUid, dbMessage: change.dbMessage };
      case 'peer_update':
        return {
          syncType: 'peer_update',
          peerUid: change.peer.uid,
          peerData: encodePeerData(change.peer, this.primaryIdOf(change.peer)),
        };
      case 'identity_update': {
        const id = this.me;
        return {
          syncType: 'identity_update',
          identityData: encodeProfile({
            nickname: id.nickname,
            avatar: id.avatar,
            status: id.status,
            version: id.profileVersion,
          }),
        };
      }
      case 'server_add':
        return { syncType: 'server_add', serverData: encodeServers(this.me.servers, this.me.serversVersion) };
      case 'action':
        return { syncType: 'action', peerUid: change.peerUid, action: change.action };
      case 'conv_state':
        return { syncType: 'conv_state', peerUid: change.peerUid, conversationState: change.data };
      case 'typing':
        return { syncType: 'typing', peerUid: change.peerUid, typingAt: change.at };
      case 'conv_delete':
        return { syncType: 'conv_delete', peerUid: change.peerUid, forgetUpTo: change.upTo };
      case 'group_update':
        return { syncType: 'group_update', groupData: change.data };
      case 'group_msg':
        return { syncType: 'group_msg', peerUid: change.peerUid, dbMessage: change.dbMessage };
      case 'contact_delete':
        return { syncType: 'contact_delete', peerUid: change.peerUid };
    }
  }

  emitPairing(d: DeviceChannel): void {
    if (d.pairing) this.core.emit('pairing', d);
  }

  /** Whether a device channel can carry messages yet (the new device waits for the first one). */
  canSendTo(d: DeviceChannel): boolean {
    return !!d.drState && canSend(decodeRatchetState(d.drState));
  }
}
