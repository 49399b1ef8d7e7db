/**
 * Multi-device sync (the plan's phases 1–7, option B): device channels, fan-out of
 * every change to sibling devices, applying what siblings send (deduplicated,
 * version-ordered), and the primary relay: only the device that made a contact
 * relationship talks to that contact; siblings forward through it.
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { wipePrivateKey } from '../../../protocol/crypto/curves.js';
import { canSend } from '../../../protocol/ratchet/doubleRatchet.js';
import { decodeRatchetState } from '../../../protocol/ratchet/stateBinary.js';
import { decodeStrict, meow } from '../../../protocol/wire/proto.js';
import { isStorageFailure, MeowError } from '../errors.js';
import type { Core } from '../messenger/core.js';
import { fromDbMessage, toDbMessage } from '../messenger/dbMessage.js';
import { syncedState } from '../messenger/messageState.js';
import { readReceipts } from '../messenger/receipts.js';
import { commitReceive, commitRefusal } from '../messenger/commitReceive.js';
import { renameMeForContacts } from '../messenger/profileBroadcast.js';
import { isVerified } from '../peers/safetyNumber.js';
import { fromBase64 } from '../../../protocol/crypto/bytes.js';
import type { BatchedSync, DeviceReceiver } from '../messenger/inbox.js';
import type { Messenger } from '../messenger/messenger.js';
import type { SendRouting } from '../messenger/outbox.js';
import type { SyncChange } from '../messenger/syncChange.js';
import type { Peer } from '../peers/peer.js';
import { compareVersions, nextVersion } from '../records.js';
import type { OutboxItem, OutboxRow, StoredMessage } from '../storage/messageDb.js';
import { DedupStore } from './dedupStore.js';
import { onCard, onIntro } from './introduction.js';
import { finalizeInvitation } from '../peers/invitation.js';
import {
  batchItems,
  decodeFullPeer,
  decodePayload,
  contactFromSummary,
  verifiedOf,
  contactSummary,
  decodePeerData,
  summaryFields,
  decodeProfile,
  decodeServers,
  decodeDeviceName,
  encodeDeviceName,
  encodeFullPeer,
  encodePeerData,
  encodeProfile,
  encodeServers,
  syncItem,
  type DeviceName,
  type SyncType,
} from './payloads.js';
import { contactLock, deviceLock } from '../messenger/lockKeys.js';

/** Device messages accepted before both sides have confirmed a pairing (nothing private among them). */
const PAIRING_STEPS = new Set<SyncType>(['pair_reveal', 'pair_ok', 'pair_confirm', 'pair_refused']);

/**
 * A forward passed on after handovers. More hops than this means two devices disagree on the
 * primary — a handover still in flight (or waiting out a retry) does that — so it goes on,
 * never dropped, but after a pause that doubles with each further hop.
 */
const MAX_FORWARD_HOPS = 3;
const FORWARD_PAUSE_MS = 1000;
const MAX_FORWARD_PAUSE_MS = 5 * 60_000;

/** What applying a device sync payload produced (see DeviceSync.apply). */
interface Applied {
  device: Peer;
  effects?: () => void;
  events?: ['message' | 'status', StoredMessage][];
  recordFirst?: boolean;
  /** Dedup ids of the changes a batch applied (marked once it is committed). */
  seen?: string[];
}

export class DeviceSync implements DeviceReceiver {
  readonly dedup: DedupStore;

  constructor(readonly m: Messenger) {
    this.dedup = new DedupStore(join(m.dir, 'devicesync.db'));
  }

  // ------------------------------------------------------------------ who is who

  /** Devices this one syncs with: paired, confirmed, not unlinked. */
  siblings(): Peer[] {
    return this.m.devices
      .all()
      .filter((d) => !d.unlinked && d.pairing?.confirmed && d.contactLookupKey && d.state !== 'invited');
  }

  deviceById(deviceId: string): Peer | undefined {
    return this.m.devices.all().find((d) => d.deviceId === deviceId && !d.unlinked);
  }

  /** The device id of a contact's primary device. */
  primaryIdOf(peer: Peer): string {
    if (!peer.primaryDeviceUid) return this.m.identity.uid;
    return this.m.devices.get(peer.primaryDeviceUid)?.deviceId ?? '';
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
        const id = this.m.identity;
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
        return {
          syncType: 'server_add',
          serverData: encodeServers(this.m.identity.servers, this.m.identity.serversVersion),
        };
    }
  }

  /** Core.fanOut: one device_sync row per sibling, written with the change itself. */
  fanOut(change: SyncChange, exceptDevice?: string): OutboxItem[] {
    const targets = this.siblings().filter((d) => d.uid !== exceptDevice);
    if (targets.length === 0) return [];
    const payload = { ...this.payloadFor(change), dedupId: randomUUID() };
    return targets.map((d) => syncItem(d, payload, this.m.identity.uid));
  }

  send(device: Peer, syncType: SyncType, payload: meow.IDeviceSyncPayload = {}): OutboxItem {
    return syncItem(device, { ...payload, syncType }, this.m.identity.uid);
  }

  // ------------------------------------------------------------------ primary relay

  /** Extensions.pulls: a contact's queue is pulled by its primary only. */
  pulls = (peer: Peer): boolean => (peer.type === 'device' ? true : peer.primaryDeviceUid === '');

  /**
   * Where a message I write to `contact` goes, decided once when it is queued: to the
   * contact (null: this device is its primary) or, as a forward, to the device that is.
   */
  routeFor(contact: Peer): Peer | null {
    if (!contact.primaryDeviceUid) return null;
    const primary = this.m.devices.get(contact.primaryDeviceUid);
    if (!primary || primary.unlinked) {
      const unlinked = this.m.identity.unlinked;
      throw unlinked
        ? new MeowError('DEVICE_UNLINKED', { at: unlinked.at, by: unlinked.by })
        : new MeowError('PRIMARY_GONE', { contact: contact.name });
    }
    return primary;
  }

  /** The outbox row that asks `primary` to send `plain` (a UserMessage) to `contact`. */
  forwardItem(primary: Peer, contact: Peer, plain: Uint8Array, hops = 0): OutboxItem {
    const item = this.send(primary, 'forward', {
      forwardPayload: plain,
      forwardPeerUid: contact.uid,
      peerUid: contact.uid,
      hops,
    });
    return { ...item, kind: 'forward' };
  }

  /**
   * The primary role for `contact` left this device: what is queued for it and not yet
   * packed changes route once, in one transaction — messages become forwards to the new
   * primary (and show as waiting for it), receipts and profile notices are dropped (the
   * primary sends its own). Packed rows are posted as they are: their ratchet step is
   * already part of the state handed over. Called under the contact's lock.
   */
  rerouteQueued(contact: Peer, to: Peer): void {
    const db = this.m.db;
    const moved: StoredMessage[] = [];
    db.atomically(() => {
      for (const row of db.outbox.forPeer('peer', contact.uid)) {
        if (row.packed) continue;
        if (!row.messageUuid) {
          db.outbox.drop(row.id);
          continue;
        }
        db.outbox.replace(row.id, [
          { ...this.forwardItem(to, contact, row.plain), messageUuid: row.messageUuid },
        ]);
        const m = db.messages.markForwarding(contact.uid, row.messageUuid, to.uid, Date.now());
        if (m) moved.push(m);
      }
    });
    for (const m of moved) this.m.emit('status', m);
  }

  routing: SendRouting = {
    // Rows for a device unlinked since they were queued are dropped, never sent.
    drop: (peer: Peer) => peer.type === 'device' && peer.unlinked,
    sentState: (row: OutboxRow) => (row.channel === 'device' ? null : 'sent'),
  };

  // ------------------------------------------------------------------ receive

  async receive(
    core: Core,
    device: Peer,
    message: meow.UserMessage,
    serverId: string,
    ratchetState: Uint8Array,
  ): Promise<void> {
    let next: Peer = { ...device, drState: ratchetState, lastActivityAt: Date.now() };
    if (device.state === 'invited' && device.pairing?.role === 'introduced') {
      // The newcomer answered my introduction card: the channel is complete (introduction.ts).
      try {
        if (message.type !== 'invitation_answer' || !message.invitation)
          throw new MeowError('REFUSED', { detail: 'expected the answer to an introduction' });
        next = {
          ...finalizeInvitation(next, meow.ContactCard.create(message.invitation)),
          pairing: { ...device.pairing, phase: 'done', confirmed: true },
        };
        if (next.deviceId !== device.deviceId)
          throw new MeowError('REFUSED', { detail: 'the answer comes from another device than introduced' });
      } catch (e) {
        if (isStorageFailure(e)) throw e;
        core.log.warn('refused an introduction answer', { device: device.uid, error: (e as Error).message });
        return commitRefusal(core, serverId);
      }
      await commitReceive(core, { serverId, record: next, recordFirst: true });
      this.m.log.info('a device was linked to this identity', { device: next.name, by: device.pairing.by });
      this.m.emit('notice', { code: 'DEVICE_ADDED', params: { device: next.name, by: device.pairing.by } });
      this.m.emit('device', next.uid);
      return;
    }
    if (device.state === 'invited') {
      try {
        next = await this.m.pairing.onAnswer(next, message);
      } catch (e) {
        if (isStorageFailure(e)) throw e;
        core.log.warn('refused a pairing answer', { device: device.uid, error: (e as Error).message });
        return commitRefusal(core, serverId);
      }
      // The finalized channel is what the answer carried: never lost to a crash.
      await commitReceive(core, { serverId, record: next, recordFirst: true });
      this.emitPairing(next); // the new device now shows the code
      return;
    }
    if (device.unlinked) {
      core.log.warn('refused a message from an unlinked device', { device: device.uid });
      return commitRefusal(core, serverId);
    }
    let payload: meow.DeviceSyncPayload;
    try {
      payload = decodePayload(message);
    } catch (e) {
      core.log.warn('refused a malformed device message', {
        device: device.uid,
        error: (e as Error).message,
      });
      return commitRefusal(core, serverId, next);
    }
    const type = payload.syncType as SyncType;
    const beforeConfirm = PAIRING_STEPS.has(type);
    if (!device.pairing?.confirmed && !beforeConfirm) {
      core.log.warn('refused a sync from a device not confirmed yet', { device: device.uid, type });
      return commitRefusal(core, serverId, next);
    }
    if (payload.dedupId && this.dedup.isSeen(payload.dedupId)) return commitRefusal(core, serverId, next);
    let applied: Applied = { device: next };
    try {
      applied = await this.apply(next, type, payload);
    } catch (e) {
      if (isStorageFailure(e)) throw e;
      core.log.warn('refused a device sync', { device: device.uid, type, error: (e as Error).message });
    }
    // PeerStore keeps an unlinked channel unlinked, whatever the record says.
    await commitReceive(core, {
      serverId,
      record: applied.device,
      recordFirst: applied.recordFirst,
      effects: applied.effects,
    });
    if (payload.dedupId) this.dedup.markSeen(payload.dedupId);
    if (applied.seen?.length) this.dedup.markAllSeen(applied.seen);
    for (const [kind, msg] of applied.events ?? []) core.emit(kind, msg);
    if (applied.device.pairing && applied.device.pairing !== device.pairing) this.emitPairing(applied.device);
    this.m.emit('device', device.uid);
    core.kickSend();
  }

  /**
   * DeviceReceiver.batched: a sibling's stored message or status change (the fan-out of
   * every message), or a batch of them — writes to the message store only, so the batched
   * path may take it. A malformed batch goes to receive(), which refuses it and says why.
   */
  batched(device: Peer, message: meow.UserMessage): BatchedSync | null {
    if (message.type !== 'device_sync') return null;
    let items: meow.DeviceSyncPayload[];
    try {
      const p = decodePayload(message);
      items = p.syncType === 'batch' ? batchItems(p) : [p];
    } catch {
      return null; // receive() refuses it, and says why
    }
    if (!items.every((p) => (p.syncType === 'msg' || p.syncType === 'status') && p.dedupId)) return null;
    return {
      changes: items.map(({ dedupId, peerUid, dbMessage }) => ({
        dedupId,
        apply: (events) => {
          if (!peerUid || !dbMessage) return;
          const out: ['message' | 'status', StoredMessage][] = [];
          this.upsertMessage(peerUid, dbMessage, out);
          for (const [kind, m] of out) events.push({ kind, m });
        },
      })),
    };
  }

  isSeen(dedupId: string): boolean {
    return this.dedup.isSeen(dedupId);
  }

  markSeen(dedupIds: string[]): void {
    this.dedup.markAllSeen(dedupIds);
  }

  /**
   * Applies one payload: effects on other records (contacts, the identity) here, which are
   * idempotent and versioned; the message store's writes returned as `effects`, for the
   * transaction that records the server id; the device record's own change returned.
   */
  private async apply(device: Peer, type: SyncType, p: meow.DeviceSyncPayload): Promise<Applied> {
    const events: ['message' | 'status', StoredMessage][] = [];
    switch (type) {
      case 'msg':
      case 'status':
      case 'history': {
        const items =
          type === 'history'
            ? p.history.map((h) => ({ peerUid: h.peerUid, dbm: h.dbMessage }))
            : [{ peerUid: p.peerUid, dbm: p.dbMessage }];
        const effects = () => {
          for (const it of items) if (it.dbm && it.peerUid) this.upsertMessage(it.peerUid, it.dbm, events);
        };
        if (type === 'history' && device.pairing) {
          device = {
            ...device,
            pairing: { ...device.pairing, done: p.progressDone, total: p.progressTotal },
          };
        }
        return { device, effects, events };
      }
      case 'batch': {
        // Fan-out changes coalesced by the sender (messenger/syncRows.ts): each once, in order.
        const fresh = batchItems(p).filter((c) => !this.dedup.isSeen(c.dedupId));
        const effects = () => {
          for (const c of fresh) this.upsertMessage(c.peerUid, c.dbMessage, events);
        };
        return { device, effects, events, seen: fresh.map((c) => c.dedupId) };
      }
      case 'forward':
        return { device, effects: () => this.applyForward(device, p, events), events };
      case 'peer_update':
        await this.applyPeerUpdate(device, p);
        return { device };
      case 'identity_update':
        await this.applyProfile(p);
        return { device };
      case 'server_add':
        await this.applyServers(p);
        return { device };
      case 'device_intro':
        await onIntro(this, device, p);
        return { device };
      case 'device_card':
        await onCard(this, device, p);
        return { device };
      case 'device_unlinked':
        await this.applyUnlinked(device, p);
        return { device };
      case 'handover_request':
        await this.handOver(device, p.peerUids);
        return { device };
      case 'handover':
        await this.takeOver(device, p);
        return { device };
      case 'handover_ack':
        await this.handoverAcked(device, p);
        return { device };
      case 'device_name': {
        const change = decodeDeviceName(p.identityData);
        // The sender renamed itself: its record is the one this receive holds (and writes back).
        if (this.deviceById(change.deviceId)?.uid === device.uid)
          return {
            device:
              compareVersions(change.version, device.nameVersion) > 0
                ? { ...device, name: change.name, nameVersion: change.version }
                : device,
          };
        await this.applyDeviceName(change);
        return { device };
      }
      case 'pair_reveal':
        return { device: await this.m.pairing.onReveal(device, p.pairingNonce), recordFirst: true };
      case 'pair_ok':
        return { device: await this.m.pairing.onOtherConfirmed(device), recordFirst: true };
      case 'pair_confirm':
        // The existing device starts sending; this device must have confirmed the code itself.
        if (device.pairing?.role !== 'new' || !device.pairing.localConfirmed)
          throw new MeowError('REFUSED', { detail: 'unexpected pairing confirmation' });
        return {
          device: {
            ...device,
            pairing: {
              ...device.pairing,
              confirmed: true,
              phase: 'syncing',
              by: device.name,
              total: p.progressTotal,
            },
          },
          recordFirst: true,
        };
      case 'pair_refused':
        return {
          device: {
            ...device,
            unlinked: true,
            pairing: device.pairing ? { ...device.pairing, phase: 'refused' } : null,
          },
          recordFirst: true,
        };
      case 'pair_done':
        await this.m.changeIdentity((id) => (id.pairingPending ? { pairingPending: false } : null));
        return {
          device: device.pairing
            ? {
                ...device,
                pairing: { ...device.pairing, phase: 'done', done: p.progressTotal, total: p.progressTotal },
              }
            : device,
          recordFirst: true,
        };
      default:
        throw new MeowError('REFUSED', { detail: `unknown sync type "${String(type)}"` });
    }
  }

  /** msg / status / history: insert if new, else move its status forward; never re-broadcast. */
  private upsertMessage(
    peerUid: string,
    dbm: meow.IDbMessage,
    events: ['message' | 'status', StoredMessage][],
  ): void {
    const db = this.m.db;
    const incoming = fromDbMessage(peerUid, dbm, { synced: true });
    if (!incoming.uuid) return;
    const existing = db.messages.get(peerUid, incoming.uuid);
    if (!existing) {
      // A forwarded message shows "pending_forward" only on the device that wrote it.
      const state = syncedState(incoming.state);
      const seen = incoming.outbound || (incoming.processedAt ?? 0) > 0;
      if (db.messages.insert({ ...incoming, state, seen })) {
        const stored = db.messages.get(peerUid, incoming.uuid);
        if (stored) events.push(['message', stored]);
      }
      return;
    }
    const updated = db.messages.advanceStatus(peerUid, incoming.uuid, {
      state: incoming.state === 'pending_forward' ? undefined : incoming.state, // never back to waiting
      receivedAt: incoming.receivedAt,
      processedAt: incoming.processedAt,
    });
    if (!existing.outbound && (incoming.processedAt ?? 0) > 0 && !existing.seen) {
      db.messages.markSeenUuids(peerUid, [incoming.uuid]);
      // Read on another device: the primary tells the contact (if read receipts are on).
      const contact = this.m.peers.get(peerUid);
      if (contact && !contact.primaryDeviceUid && contact.sendProcessingAck) {
        db.outbox.enqueue(readReceipts(peerUid, [existing], incoming.processedAt ?? 0));
      }
    }
    if (updated) events.push(['status', updated]);
  }

  /** A contact's display and routing fields from another device of mine (never its keys). */
  private async applyPeerUpdate(from: Peer, p: meow.DeviceSyncPayload): Promise<void> {
    const summary = decodePeerData(p.peerData);
    const me = this.m.identity.uid;
    const merge = (local: Peer | undefined): Peer | null => {
      if (local && compareVersions(summary.version, local.version) <= 0) return null; // older or same: ignore
      let primaryDeviceUid: string;
      let primaryPendingId = '';
      if (local && !local.primaryDeviceUid) {
        primaryDeviceUid = ''; // I drive this contact; the role moves only by handover
      } else if (summary.primaryDeviceId === me) {
        primaryDeviceUid = local?.primaryDeviceUid ?? from.uid; // never primary without a handed-over ratchet
      } else {
        const primary = this.deviceById(summary.primaryDeviceId);
        // A device I do not know yet (paired meanwhile): through the sender until I do.
        primaryDeviceUid = primary?.uid ?? from.uid;
        if (!primary) primaryPendingId = summary.primaryDeviceId;
      }
      if (!local) return { ...contactFromSummary(summary, primaryDeviceUid), primaryPendingId };
      const shown = { ...local, ...summaryFields(summary), primaryDeviceUid, primaryPendingId };
      const verified = verifiedOf(summary);
      if (!primaryDeviceUid) {
        // I drive this contact: its keys are mine; a verification made on another device counts
        // only if it is for these keys.
        const candidate = { ...shown, verified };
        return { ...shown, verified: isVerified(candidate) ? verified : local.verified };
      }
      // Another device drives it: I show its public keys (safety numbers) as that device says.
      return {
        ...shown,
        myIdentity: { publicKey: fromBase64(summary.myIdentityPublic), privateKey: new Uint8Array(32) },
        contactPublicKey: summary.contactPublicKey ? fromBase64(summary.contactPublicKey) : null,
        verified,
      };
    };
    let keysChanged = false;
    const merged = await this.m.locks.run(contactLock(summary.uid), async () => {
      const local = this.m.peers.get(summary.uid);
      const next = merge(local);
      if (next) {
        keysChanged = !!local && isVerified(local) && !isVerified(next);
        await this.m.peers.put(next);
      }
      return next;
    });
    if (merged) this.m.emit('contact', merged.uid);
    if (merged && keysChanged)
      this.m.emit('notice', { code: 'CONTACT_KEYS_CHANGED', params: { contact: merged.name } });
  }

  private async applyProfile(p: meow.DeviceSyncPayload): Promise<void> {
    const snap = decodeProfile(p.identityData);
    if (compareVersions(snap.version, this.m.identity.profileVersion) <= 0) return;
    await renameMeForContacts(this.m, this.m.identity.nickname, snap.nickname);
    // Contacts I am the primary for learn the new profile from me.
    await this.m.changeIdentity(
      (id) =>
        compareVersions(snap.version, id.profileVersion) > 0
          ? {
              nickname: snap.nickname,
              avatar: snap.avatar,
              status: snap.status,
              profileVersion: snap.version,
            }
          : null,
      ['contacts_profile'],
    );
  }

  private async applyServers(p: meow.DeviceSyncPayload): Promise<void> {
    const { servers, version } = decodeServers(p.serverData);
    const changed = await this.m.changeIdentity((id) =>
      compareVersions(version, id.serversVersion) > 0 ? { servers, serversVersion: version } : null,
    );
    if (changed) this.m.kickPoll();
  }

  /** On the primary: send a sibling's message to the contact, exactly once. */
  private applyForward(
    from: Peer,
    p: meow.DeviceSyncPayload,
    events: ['message' | 'status', StoredMessage][],
  ): void {
    const db = this.m.db;
    const contact = this.m.peers.get(p.forwardPeerUid);
    if (!contact) throw new MeowError('REFUSED', { detail: 'forward for an unknown contact' });
    const msg = decodeStrict(meow.UserMessage, 'UserMessage', p.forwardPayload);
    if (msg.type !== 'text' || !msg.status?.uuid)
      throw new MeowError('REFUSED', { detail: 'only text messages are forwarded' });
    if (contact.primaryDeviceUid) {
      // The primary role moved (handover): pass it on to the device that has it now.
      const primary = this.m.devices.get(contact.primaryDeviceUid);
      if (!primary || primary.unlinked)
        throw new MeowError('REFUSED', { detail: 'forward for a contact whose primary device is gone' });
      const item = this.forwardItem(primary, contact, p.forwardPayload, p.hops + 1);
      if (p.hops >= MAX_FORWARD_HOPS) {
        const pause = Math.min(
          MAX_FORWARD_PAUSE_MS,
          FORWARD_PAUSE_MS * 2 ** Math.min(20, p.hops - MAX_FORWARD_HOPS),
        );
        this.m.log.warn('a forward goes round my devices: passed on after a pause', { hops: p.hops, pause });
        item.notBefore = Date.now() + pause;
      }
      db.outbox.enqueue([item]);
      return;
    }
    const uuid = msg.status.uuid;
    const send: OutboxItem = { channel: 'peer', peerUid: contact.uid, plain: p.forwardPayload };
    if (db.messages.get(contact.uid, uuid)) {
      // Mine from when I was a sibling (handover), or a duplicate: send only if still unsent.
      if (db.outbox.claimForward(contact.uid, uuid, send)) {
        const m = db.messages.get(contact.uid, uuid);
        if (m) events.push(['status', m]);
      }
      return;
    }
    const message = {
      peerUid: contact.uid,
      uuid,
      outbound: true,
      type: 'text',
      text: msg.text,
      state: 'pending' as const,
      sentAt: msg.status.sent || Date.now(),
      seen: true,
      authorDevice: from.deviceId,
    };
    // The other siblings learn of it now; the author learns when it is sent.
    const fan = this.fanOut({ type: 'msg', peerUid: contact.uid, dbMessage: toDbMessage(message) }, from.uid);
    if (db.outbox.insertOutgoing(message, send, fan)) {
      const m = db.messages.get(contact.uid, uuid);
      if (m) events.push(['message', m]);
    }
  }

  private async applyUnlinked(from: Peer, p: meow.DeviceSyncPayload): Promise<void> {
    const target = p.peerUid;
    if (target === this.m.identity.uid) {
      // I am the one unlinked: stop syncing with everyone.
      await this.m.changeIdentity(() => ({ unlinked: { at: Date.now(), by: from.name } }));
      for (const d of this.m.devices.all()) await this.tombstone(d.uid, d.uid === from.uid);
      this.m.emit('notice', { code: 'THIS_DEVICE_UNLINKED', params: { by: from.name } });
      return;
    }
    const d = this.deviceById(target);
    if (d && !d.unlinked) {
      await this.tombstone(d.uid, d.uid === from.uid);
      this.m.emit('notice', { code: 'DEVICE_UNLINKED', params: { device: d.name } });
      this.afterUnlink(d);
    }
  }

  /**
   * A device of mine was unlinked: every channel this device drives gets fresh keys through
   * its ratchet (peers/rotation.ts) — every contact, since a device paired by an older
   * version may have held any contact's keys, and every remaining device channel — so that
   * whatever the unlinked device kept can neither read, pull nor sign anything new. The
   * contacts it drove itself are lost to my other devices: the person is told which.
   */
  afterUnlink(device: Peer): void {
    for (const c of this.m.peers.all()) {
      if (c.type !== 'contact') continue;
      const drivenByIt =
        (c.primaryDeviceUid === device.uid && !c.primaryPendingId) ||
        (!!device.deviceId && c.primaryPendingId === device.deviceId);
      if (drivenByIt) {
        this.m.emit('notice', { code: 'CONTACT_ORPHANED', params: { contact: c.name, device: device.name } });
        this.m.emit('contact', c.uid); // its view now says so (orphaned)
      } else if (!c.primaryDeviceUid && c.drState && c.state !== 'invited') {
        this.m.rotateChannel('peer', c.uid);
      }
    }
    for (const d of this.siblings()) if (d.uid !== device.uid) this.m.rotateChannel('device', d.uid);
  }

  /**
   * An unlinked device: keys dropped, nothing more is synced; its queue is still read so
   * what it sends is refused. Takes the device's lock unless `lockHeld` (the caller is
   * processing a message from that very device).
   */
  async tombstone(uid: string, lockHeld = false): Promise<void> {
    const wipe = async () => {
      const d = this.m.devices.get(uid);
      if (!d || d.unlinked) return;
      const wiped = unlinkedChannel(d);
      this.m.db.outbox.dropFor('device', d.uid);
      await this.m.devices.put(wiped);
      this.m.emit('device', wiped.uid);
    };
    await (lockHeld ? wipe() : this.m.locks.run(deviceLock(uid), wipe));
    await this.revertHandoversTo(uid);
  }

  // ------------------------------------------------------------------ device names

  /**
   * Renames one of my devices (this one or another) on every device of mine: each device
   * has one name, the same everywhere; the newest rename wins wherever it was made.
   */
  async renameDevice(deviceId: string, name: string): Promise<void> {
    const me = this.m.identity;
    if (deviceId === me.uid) {
      // This device's own name: saved with the sync it owes (IdentityRepository).
      await this.m.changeIdentity(
        (id) => ({ deviceName: name, deviceNameVersion: nextVersion(id.deviceNameVersion, id.uid) }),
        ['device_name'],
      );
      return;
    }
    const d = this.deviceById(deviceId);
    if (!d) throw new MeowError('UNKNOWN_DEVICE', { device: deviceId });
    const change: DeviceName = { deviceId, name, version: nextVersion(d.nameVersion, me.uid) };
    await this.applyDeviceName(change);
    this.m.db.outbox.enqueue(this.deviceNameItems(change));
    this.m.kickSend();
  }

  /** device_name rows for every sibling. */
  private deviceNameItems(change: DeviceName): OutboxItem[] {
    const payload = {
      syncType: 'device_name',
      identityData: encodeDeviceName(change),
      dedupId: randomUUID(),
    };
    return this.siblings().map((d) => syncItem(d, payload, this.m.identity.uid));
  }

  /** The sync of this device's own name (what a rename here owes my other devices). */
  ownNameItems(): OutboxItem[] {
    const me = this.m.identity;
    return this.deviceNameItems({ deviceId: me.uid, name: me.deviceName, version: me.deviceNameVersion });
  }

  private async applyDeviceName(change: DeviceName): Promise<void> {
    if (change.deviceId === this.m.identity.uid) {
      await this.m.changeIdentity((id) =>
        compareVersions(change.version, id.deviceNameVersion) > 0
          ? { deviceName: change.name, deviceNameVersion: change.version }
          : null,
      );
      this.m.emit('device', this.m.identity.uid); // my Devices screen shows the new name
      return;
    }
    const d = this.deviceById(change.deviceId);
    if (!d) return;
    const next = await this.m.updatePeer('device', d.uid, (cur) =>
      compareVersions(change.version, cur.nameVersion) > 0
        ? { ...cur, name: change.name, nameVersion: change.version }
        : null,
    );
    if (next) this.m.emit('device', d.uid);
  }

  // ------------------------------------------------------------------ handover
  //
  // A contact's keys and ratchet move between my devices only here, and only from the
  // current primary: (1) it stops being primary — durably, before anything is sent — but
  // keeps the keys; (2) it sends them, numbered by the contact's handoverSeq; (3) the new
  // primary takes them if that number is newer than what it has, and acknowledges; (4) only
  // then does the old primary drop them. A lost message is resent (resumeHandovers); a
  // renamed or otherwise re-versioned record never decides which copy wins.

  /** On the primary: hand contacts' keys and ratchets to the device that asked (steps 1–2). */
  private async handOver(to: Peer, peerUids: string[]): Promise<void> {
    for (const uid of peerUids) {
      await this.m.locks.run(contactLock(uid), async () => {
        const c = this.m.peers.get(uid);
        if (!c || c.type !== 'contact' || c.primaryDeviceUid || !c.drState) return; // only the primary hands over
        const mine: Peer = {
          ...c,
          version: nextVersion(c.version, this.m.identity.uid),
          primaryDeviceUid: to.uid,
          handoverSeq: c.handoverSeq + 1,
          handoverTo: to.uid,
        };
        await this.m.peers.put(mine);
        this.rerouteQueued(mine, to);
        this.m.db.outbox.enqueue([
          this.handoverItem(mine, to),
          ...this.fanOut({ type: 'peer_update', peer: mine }, to.uid),
        ]);
        this.m.emit('contact', mine.uid);
      });
    }
    this.m.kickPoll();
  }

  private handoverItem(mine: Peer, to: Peer): OutboxItem {
    const handed: Peer = { ...mine, primaryDeviceUid: '', handoverTo: '' };
    return this.send(to, 'handover', {
      peerUid: mine.uid,
      deviceData: encodeFullPeer(handed),
      handoverSeq: mine.handoverSeq,
    });
  }

  /**
   * At start: handovers not yet acknowledged are sent again (the new primary acknowledges a
   * copy it already has), queued rows of contacts driven elsewhere take their route, and a
   * copy of keys that this device does not drive (left by an older version) is erased.
   */
  async resumeHandovers(): Promise<number> {
    let resumed = 0;
    for (const c of this.m.peers.all()) {
      if (c.type !== 'contact' || !c.primaryDeviceUid) continue;
      await this.m.locks.run(contactLock(c.uid), async () => {
        const now = this.m.peers.get(c.uid);
        if (!now?.primaryDeviceUid) return;
        const to = this.m.devices.get(now.primaryDeviceUid);
        const awaited = now.handoverTo || (now.drState ? now.primaryDeviceUid : ''); // (older versions: no handoverTo)
        if (awaited && to && !to.unlinked) {
          this.rerouteQueued(now, to);
          const pending = now.handoverTo
            ? now
            : { ...now, handoverTo: to.uid, handoverSeq: now.handoverSeq + 1 };
          if (pending !== now) await this.m.peers.put(pending);
          this.m.db.outbox.enqueue([this.handoverItem(pending, to)]);
          resumed++;
        } else if (!awaited && holdsSecrets(now)) {
          await this.m.peers.put(withoutSecrets(now));
        } else if (to && !to.unlinked) {
          this.rerouteQueued(now, to); // rows queued by a version that decided routes at send time
        }
      });
    }
    if (resumed) this.m.kickSend();
    return resumed;
  }

  /** On the new primary: take the keys and ratchet if this move is newer than what is here (step 3). */
  private async takeOver(from: Peer, p: meow.DeviceSyncPayload): Promise<void> {
    const record = decodeFullPeer(p.deviceData, 'handover');
    if (record.type !== 'contact' || !record.drState)
      throw new MeowError('REFUSED', { detail: 'handover without a ratchet' });
    decodeRatchetState(record.drState); // validates
    const seq = p.handoverSeq || record.handoverSeq;
    let taken = false;
    await this.m.locks.run(contactLock(record.uid), async () => {
      const local = this.m.peers.get(record.uid);
      if (local && seq <= local.handoverSeq) {
        taken = !local.primaryDeviceUid && seq === local.handoverSeq; // a repeat: acknowledge it again
        return;
      }
      // Keys and ratchet from the handover; names and settings from whichever copy is newer.
      const display = local && compareVersions(local.version, record.version) > 0 ? local : record;
      const next: Peer = {
        ...record,
        ...summaryFields(contactSummary(display, '')),
        handoverSeq: seq,
        handoverTo: '',
        primaryDeviceUid: '',
        pairing: null,
        unlinked: false,
      };
      await this.m.peers.put(next);
      this.m.emit('contact', next.uid);
      taken = true;
    });
    if (!taken) return;
    this.m.db.outbox.enqueue([this.send(from, 'handover_ack', { peerUid: record.uid, handoverSeq: seq })]);
    this.m.log.info('took over a contact from another device', { from: from.name, contact: record.uid });
    this.m.kickPoll();
    this.m.kickSend();
  }

  /** On the old primary: the new one has the keys; this device drops its copy (step 4). */
  private async handoverAcked(from: Peer, p: meow.DeviceSyncPayload): Promise<void> {
    await this.m.updatePeer('contact', p.peerUid, (c) =>
      c.handoverTo === from.uid && c.handoverSeq === p.handoverSeq ? withoutSecrets(c) : null,
    );
  }

  /** A device that was handed contacts is gone before acknowledging: this device drives them again. */
  private async revertHandoversTo(deviceUid: string): Promise<void> {
    for (const c of this.m.peers.all()) {
      if (c.type !== 'contact' || c.handoverTo !== deviceUid) continue;
      await this.m.updatePeer('contact', c.uid, (cur) =>
        cur.handoverTo === deviceUid && cur.drState
          ? {
              ...cur,
              primaryDeviceUid: '',
              handoverTo: '',
              version: nextVersion(cur.version, this.m.identity.uid),
            }
          : null,
      );
    }
  }

  /** `devices make-primary [CONTACT]`: ask the current primaries to hand over. */
  async requestPrimary(contactRef?: string): Promise<{ contacts: number; devices: string[] }> {
    const targets = contactRef ? [this.m.findContact(contactRef)] : this.m.contacts();
    const byPrimary = new Map<string, string[]>();
    for (const c of targets) {
      if (!c.primaryDeviceUid) continue;
      const list = byPrimary.get(c.primaryDeviceUid) ?? [];
      list.push(c.uid);
      byPrimary.set(c.primaryDeviceUid, list);
    }
    const items: OutboxItem[] = [];
    const names: string[] = [];
    for (const [deviceUid, uids] of byPrimary) {
      const d = this.m.devices.get(deviceUid);
      if (!d || d.unlinked) continue;
      names.push(d.name);
      items.push(this.send(d, 'handover_request', { peerUids: uids }));
    }
    this.m.db.outbox.enqueue(items);
    this.m.kickSend();
    return { contacts: [...byPrimary.values()].reduce((n, l) => n + l.length, 0), devices: names };
  }

  // ------------------------------------------------------------------ pairing events

  emitPairing(d: Peer): void {
    if (d.pairing) this.m.emit('pairing', d);
  }

  /** Whether a device channel can carry messages yet (the new device waits for the first one). */
  canSendTo(d: Peer): boolean {
    return !!d.drState && canSend(decodeRatchetState(d.drState));
  }

  close(): void {
    this.dedup.close();
  }

  /**
   * A device of mine became known here (`device` has its deviceId): the contacts a summary said
   * it drives, routed through the summary's sender meanwhile, now go to it directly.
   */
  async adoptPrimaries(device: Peer): Promise<void> {
    if (!device.deviceId) return;
    for (const c of this.m.peers.all()) {
      if (c.primaryPendingId !== device.deviceId) continue;
      await this.m.locks.run(contactLock(c.uid), async () => {
        const cur = this.m.peers.get(c.uid);
        if (cur?.primaryPendingId !== device.deviceId) return;
        const next: Peer = { ...cur, primaryDeviceUid: device.uid, primaryPendingId: '' };
        await this.m.peers.put(next);
        this.m.emit('contact', next.uid);
      });
    }
  }
}

/**
 * A device channel closed for good: its keys erased (in memory too: see wipePrivateKey for
 * what cannot be), only its lookup key kept, so that what the device still sends is refused.
 */
export function unlinkedChannel(d: Peer): Peer {
  const zero = new Uint8Array(32);
  for (const k of [d.myIdentity, d.myEncryption, d.drKp]) wipePrivateKey(k);
  d.symKey.fill(0);
  d.drRootKey.fill(0);
  return {
    ...d,
    unlinked: true,
    drState: null,
    symKey: zero,
    drRootKey: zero,
    myIdentity: { publicKey: d.myIdentity.publicKey, privateKey: zero },
    myEncryption: { publicKey: d.myEncryption.publicKey, privateKey: zero },
    drKp: { publicKey: d.drKp.publicKey, privateKey: zero },
  };
}

/** Whether a contact record holds secrets (private or symmetric keys, a ratchet). */
export function holdsSecrets(p: Peer): boolean {
  const any = (b: Uint8Array) => b.some((x) => x !== 0);
  return (
    !!p.drState ||
    any(p.symKey) ||
    any(p.drRootKey) ||
    [p.myIdentity, p.myEncryption, p.myLookup, p.drKp].some((k) => any(k.privateKey)) ||
    !!p.oldSigner ||
    !!p.rotation ||
    p.retired.length > 0
  );
}

/** The record with every secret erased (in memory too) — what a device keeps of a contact it does not drive. */
export function withoutSecrets(p: Peer): Peer {
  const retired = p.retired.flatMap((r) => [r.lookup, r.encryption]);
  const staged = p.rotation ? [p.rotation.identity, p.rotation.encryption, p.rotation.lookup] : [];
  for (const k of [p.myIdentity, p.myEncryption, p.myLookup, p.drKp, ...retired, ...staged])
    wipePrivateKey(k);
  if (p.oldSigner) wipePrivateKey(p.oldSigner.key);
  p.symKey.fill(0);
  p.drRootKey.fill(0);
  const none = (k: { publicKey: Uint8Array }) => ({ publicKey: k.publicKey, privateKey: new Uint8Array(32) });
  return {
    ...p,
    myIdentity: none(p.myIdentity),
    myEncryption: none(p.myEncryption),
    myLookup: none(p.myLookup),
    drKp: none(p.drKp),
    symKey: new Uint8Array(32),
    drRootKey: new Uint8Array(32),
    drState: null,
    handoverTo: '',
    retired: [],
    rotation: null,
    oldSigner: null,
  };
}
