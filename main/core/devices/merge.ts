/**
 * What my other devices tell this one about records they changed, merged by version: a
 * stored message or a status change (never backwards), a contact's display and routing
 * fields (never its keys), my profile, my servers, a device's name. Duplicates and
 * reordering are harmless: an older or equal version never overwrites a newer one.
 */
import { fromBase64 } from '../../../protocol/crypto/bytes.js';
import type { meow } from '../../../protocol/wire/proto.js';
import { contactLock } from '../locks.js';
import { fromDbMessage } from '../messenger/dbMessage.js';
import { syncedState } from '../messenger/messageState.js';
import { readReceipts } from '../messenger/receipts.js';
import { renameMeForContacts } from '../messenger/profileBroadcast.js';
import type { ContactChannel, DeviceChannel, PrimaryRoute } from '../peers/peer.js';
import { isVerified } from '../peers/safetyNumber.js';
import { compareVersions, nextVersion } from '../records.js';
import { MeowError } from '../errors.js';
import type { OutboxItem } from '../storage/messageDb.js';
import type { ReceiveSink } from '../receive/decision.js';
import type { DeviceContext } from './context.js';
import {
  contactFromSummary,
  decodePeerData,
  decodeProfile,
  decodeServers,
  encodeDeviceName,
  summaryFields,
  syncItem,
  verifiedOf,
  type DeviceName,
} from './payloads.js';
import { randomUUID } from 'node:crypto';
import { wasDeleted } from '../messenger/deleteContact.js';

/** msg / status / history: insert if new, else move its status forward; never re-broadcast. */
export function upsertMessage(
  ctx: DeviceContext,
  peerUid: string,
  dbm: meow.IDbMessage,
  sink: ReceiveSink,
): void {
  const db = ctx.core.db;
  const incoming = fromDbMessage(peerUid, dbm, { synced: true });
  if (!incoming.uuid) return;
  const existing = db.messages.get(peerUid, incoming.uuid);
  if (!existing) {
    // A forwarded message shows "pending_forward" only on the device that wrote it.
    const state = syncedState(incoming.state);
    const seen = incoming.outbound || (incoming.processedAt ?? 0) > 0;
    // Stored as a read would return it (a sibling's fan-out must not read back each row).
    const stored = db.messages.insertReturning({ ...incoming, state, seen });
    if (stored) sink.events.push({ kind: 'message', m: stored });
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
    const contact = ctx.core.peers.get(peerUid);
    if (contact && !contact.primary && contact.sendProcessingAck) {
      sink.outbox.push(...readReceipts(peerUid, [existing], incoming.processedAt ?? 0));
    }
  }
  if (updated) sink.events.push({ kind: 'status', m: updated });
}

/** A contact's display and routing fields from another device of mine (never its keys). */
export async function applyPeerUpdate(
  ctx: DeviceContext,
  from: DeviceChannel,
  p: meow.DeviceSyncPayload,
): Promise<void> {
  const summary = decodePeerData(p.peerData);
  const me = ctx.me.uid;
  const core = ctx.core;
  const merge = (local: ContactChannel | undefined): ContactChannel | null => {
    if (local && compareVersions(summary.version, local.version) <= 0) return null; // older or same: ignore
    let primary: PrimaryRoute | null;
    if (local && !local.primary) {
      primary = null; // I drive this contact; the role moves only by handover
    } else if (summary.primaryDeviceId === me) {
      primary = local?.primary ?? { device: from.uid, pending: null }; // never primary without a handed-over ratchet
    } else {
      const known = ctx.deviceById(summary.primaryDeviceId);
      // A device I do not know yet (paired meanwhile): through the sender until I do.
      primary = known
        ? { device: known.uid, pending: null }
        : { device: from.uid, pending: summary.primaryDeviceId };
    }
    // A contact deleted here stays deleted: a change that crossed the deletion does not bring it back.
    if (!local) return wasDeleted(core, summary.uid) ? null : contactFromSummary(summary, primary);
    const shown: ContactChannel = { ...local, ...summaryFields(summary), primary };
    const verified = verifiedOf(summary);
    if (!primary) {
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
  const merged = await core.locks.run(contactLock(summary.uid), async () => {
    const local = core.peers.get(summary.uid);
    const next = merge(local);
    if (next) {
      keysChanged = !!local && isVerified(local) && !isVerified(next);
      await core.peers.put(next);
    }
    return next;
  });
  if (merged) core.emit('contact', merged.uid);
  if (merged && keysChanged)
    core.emit('notice', { code: 'CONTACT_KEYS_CHANGED', params: { contact: merged.name } });
}

export async function applyProfile(ctx: DeviceContext, p: meow.DeviceSyncPayload): Promise<void> {
  const snap = decodeProfile(p.identityData);
  if (compareVersions(snap.version, ctx.me.profileVersion) <= 0) return;
  await renameMeForContacts(ctx.core, ctx.me.nickname, snap.nickname);
  // Contacts I am the primary for learn the new profile from me.
  await ctx.ports.profile.change(
    (id) =>
      compareVersions(snap.version, id.profileVersion) > 0
        ? { nickname: snap.nickname, avatar: snap.avatar, status: snap.status, profileVersion: snap.version }
        : null,
    ['contacts_profile'],
  );
}

export async function applyServers(ctx: DeviceContext, p: meow.DeviceSyncPayload): Promise<void> {
  const { servers, version } = decodeServers(p.serverData);
  const changed = await ctx.ports.profile.change((id) =>
    compareVersions(version, id.serversVersion) > 0 ? { servers, serversVersion: version } : null,
  );
  if (changed) ctx.core.kickPoll();
}

// ---------------------------------------------------------------- device names

/**
 * Renames one of my devices (this one or another) on every device of mine: each device
 * has one name, the same everywhere; the newest rename wins wherever it was made.
 */
export async function renameDevice(ctx: DeviceContext, deviceId: string, name: string): Promise<void> {
  const me = ctx.me;
  if (deviceId === me.uid) {
    // This device's own name: saved with the sync it owes (IdentityRepository).
    await ctx.ports.profile.change(
      (id) => ({ deviceName: name, deviceNameVersion: nextVersion(id.deviceNameVersion, id.uid) }),
      ['device_name'],
    );
    return;
  }
  const d = ctx.deviceById(deviceId);
  if (!d) throw new MeowError('UNKNOWN_DEVICE', { device: deviceId });
  const change: DeviceName = { deviceId, name, version: nextVersion(d.nameVersion, me.uid) };
  await applyDeviceName(ctx, change);
  ctx.core.db.outbox.enqueue(deviceNameItems(ctx, change));
  ctx.core.kickSend();
}

/** device_name rows for every sibling. */
function deviceNameItems(ctx: DeviceContext, change: DeviceName): OutboxItem[] {
  const payload = { syncType: 'device_name', identityData: encodeDeviceName(change), dedupId: randomUUID() };
  return ctx.siblings().map((d) => syncItem(d, payload, ctx.me.uid));
}

/** The sync of this device's own name (what a rename here owes my other devices). */
export function ownNameItems(ctx: DeviceContext): OutboxItem[] {
  const me = ctx.me;
  return deviceNameItems(ctx, { deviceId: me.uid, name: me.deviceName, version: me.deviceNameVersion });
}

export async function applyDeviceName(ctx: DeviceContext, change: DeviceName): Promise<void> {
  const core = ctx.core;
  if (change.deviceId === ctx.me.uid) {
    await ctx.ports.profile.change((id) =>
      compareVersions(change.version, id.deviceNameVersion) > 0
        ? { deviceName: change.name, deviceNameVersion: change.version }
        : null,
    );
    core.emit('device', ctx.me.uid); // my Devices screen shows the new name
    return;
  }
  const d = ctx.deviceById(change.deviceId);
  if (!d) return;
  const next = await core.updatePeer('device', d.uid, (cur) =>
    compareVersions(change.version, cur.nameVersion) > 0
      ? { ...cur, name: change.name, nameVersion: change.version }
      : null,
  );
  if (next) core.emit('device', d.uid);
}
