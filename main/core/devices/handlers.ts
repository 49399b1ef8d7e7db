/**
 * What a sibling's change does here, one handler per sync type. A handler either writes
 * only the message store inside the receive transaction (`apply`: nothing before it, so a
 * run may group it with others), or first works on other records under their own locks
 * (`prepare`) and says what becomes of the device's own record. Pairing steps are the only
 * changes accepted before both people confirmed the pairing; they carry nothing private.
 */
import type { meow } from '../../../protocol/wire/proto.js';
import { MeowError } from '../errors.js';
import type { DeviceChannel } from '../peers/peer.js';
import type { ReceiveSink } from '../receive/decision.js';
import { compareVersions } from '../records.js';
import { readAnnouncement, type Capability, MY_CAPABILITIES } from './capabilities.js';
import type { DeviceContext } from './context.js';
import { adoptPrimaries, handOver, handoverAcked, takeOver } from './handover.js';
import { onCard, onIntro } from './introduction.js';
import { applyDeviceName, applyPeerUpdate, applyProfile, applyServers, upsertMessage } from './merge.js';
import type { Pairing } from './pairing.js';
import { batchItems, decodeDeviceName, type SyncType } from './payloads.js';
import { applyForward } from './routing.js';
import { applyUnlinked } from './unlink.js';
import { applySiblingAction, checkSiblingAction } from './actionSync.js';
import { applyState, decodeState } from '../messenger/conversationState.js';
import { fresh } from '../messenger/typing.js';
import { forgetConversation, forgetUpTo } from '../messenger/forgetConversation.js';
import { applyGroupOp, applyGroupUpdate } from '../groups/siblings.js';
import { deleteContact } from '../messenger/deleteContact.js';

/** What the handlers reach. */
export interface DeviceModules {
  ctx: DeviceContext;
  pairing: Pairing;
}

/** What a prepared change leaves: the device's record, and writes for the receive transaction. */
export interface Prepared {
  device: DeviceChannel;
  /** The record holds what the change carried (a pairing step): saved before the transaction. */
  recordFirst?: boolean;
  effects?: (sink: ReceiveSink) => void;
}

export interface SyncHandler {
  /** Accepted before both people confirmed the pairing (nothing private in it). */
  beforeConfirm?: boolean;
  /** Refuses a malformed change before anything of it is applied (throws REFUSED, saying why). */
  check?: (p: meow.DeviceSyncPayload) => void;
  /** Writes only the message store, in the receive transaction (a run may group it). */
  apply?: (m: DeviceModules, device: DeviceChannel, p: meow.DeviceSyncPayload, sink: ReceiveSink) => void;
  /** Works on other records first, under their own locks. */
  prepare?: (m: DeviceModules, device: DeviceChannel, p: meow.DeviceSyncPayload) => Promise<Prepared>;
}

/** A change on other records only: the device record stays as it is. */
const onOthers =
  (fn: (m: DeviceModules, device: DeviceChannel, p: meow.DeviceSyncPayload) => Promise<void>) =>
  async (m: DeviceModules, device: DeviceChannel, p: meow.DeviceSyncPayload): Promise<Prepared> => {
    await fn(m, device, p);
    return { device };
  };

/** The device's own record changes with what the step carried (saved first). */
const ownRecord =
  (
    fn: (
      m: DeviceModules,
      device: DeviceChannel,
      p: meow.DeviceSyncPayload,
    ) => DeviceChannel | Promise<DeviceChannel>,
  ) =>
  async (m: DeviceModules, device: DeviceChannel, p: meow.DeviceSyncPayload): Promise<Prepared> => ({
    device: await fn(m, device, p),
    recordFirst: true,
  });

export const HANDLERS: Record<SyncType, SyncHandler> = {
  msg: { apply: ({ ctx }, _d, p, sink) => upsertMessage(ctx, p.peerUid, p.dbMessage!, sink) },
  status: { apply: ({ ctx }, _d, p, sink) => upsertMessage(ctx, p.peerUid, p.dbMessage!, sink) },
  // Fan-out changes coalesced by the sender (messenger/syncRows.ts): each once, in order.
  batch: {
    check: (p) => void batchItems(p),
    apply: ({ ctx }, _d, p, sink) => {
      for (const c of batchItems(p)) {
        if (sink.seen.has(c.dedupId) || ctx.ports.dedup.isSeen(c.dedupId)) continue;
        upsertMessage(ctx, c.peerUid, c.dbMessage, sink);
        sink.seen.add(c.dedupId);
      }
    },
  },
  // Past messages for a new device, recent first. How far the sync has come is shown from
  // memory (DeviceContext.progress) and saved with pair_done, so a history message changes no
  // record and a run takes many of them in one transaction.
  history: {
    apply: ({ ctx }, device, p, sink) => {
      for (const h of p.history)
        if (h.dbMessage && h.peerUid) upsertMessage(ctx, h.peerUid, h.dbMessage, sink);
      if (device.pairing) ctx.progress.set(device.uid, { done: p.progressDone, total: p.progressTotal });
    },
  },
  forward: { apply: ({ ctx }, device, p, sink) => applyForward(ctx, device, p, sink) },
  // A reaction, edit or deletion (mine, or the contact's) made or received on another device.
  action: { check: checkSiblingAction, apply: ({ ctx }, _d, p, sink) => applySiblingAction(ctx, p, sink) },
  // A conversation pinned, archived, marked unread, muted or its draft changed on another device.
  conv_state: {
    check: (p) => void decodeState(p.conversationState),
    prepare: onOthers(async ({ ctx }, _d, p) => {
      const { peerUid, state } = decodeState(p.conversationState);
      // Kept even for a conversation this device does not show yet (its contact may come later).
      if (applyState(ctx.core, peerUid, state) && ctx.core.peers.get(peerUid))
        ctx.core.emit('contact', peerUid);
    }),
  },
  // The contact is typing (my device that talks to them heard it): shown, never stored.
  typing: {
    apply: ({ ctx }, _d, p) => {
      if (p.peerUid && ctx.core.peers.get(p.peerUid) && fresh(Number(p.typingAt)))
        setImmediate(() => ctx.core.emit('typing', p.peerUid));
    },
  },
  // A conversation deleted on another device (messenger/forgetConversation.ts).
  conv_delete: {
    check: (p) => void forgetUpTo(p),
    prepare: onOthers(async ({ ctx }, _d, p) => {
      await forgetConversation(ctx.core, p.peerUid, forgetUpTo(p));
    }),
  },
  // Groups (groups/siblings.ts): the driver's state and messages, and a sibling's request to the driver.
  group_update: { apply: ({ ctx }, d, p, sink) => applyGroupUpdate(ctx.core, d, p.groupData, sink) },
  group_msg: { apply: ({ ctx }, _d, p, sink) => upsertMessage(ctx, p.peerUid, p.dbMessage!, sink) },
  group_op: { prepare: onOthers(({ ctx }, d, p) => applyGroupOp(ctx.core, d, p.groupData)) },
  // A contact deleted on another device (messenger/deleteContact.ts).
  contact_delete: {
    check: (p) => {
      if (!p.peerUid) throw new MeowError('REFUSED', { detail: 'contact_delete without a contact' });
    },
    prepare: onOthers(({ ctx }, _d, p) => deleteContact(ctx.core, p.peerUid, false)),
  },
  peer_update: { prepare: onOthers(({ ctx }, d, p) => applyPeerUpdate(ctx, d, p)) },
  identity_update: { prepare: onOthers(({ ctx }, _d, p) => applyProfile(ctx, p)) },
  server_add: { prepare: onOthers(({ ctx }, _d, p) => applyServers(ctx, p)) },
  device_intro: { prepare: onOthers(({ ctx }, d, p) => onIntro(ctx, d, p)) },
  device_card: { prepare: onOthers(({ ctx }, d, p) => onCard(ctx, d, p)) },
  device_unlinked: { prepare: onOthers(({ ctx }, d, p) => applyUnlinked(ctx, d, p)) },
  handover_request: { prepare: onOthers(({ ctx }, d, p) => handOver(ctx, d, p.peerUids)) },
  handover: { prepare: onOthers(({ ctx }, d, p) => takeOver(ctx, d, p)) },
  handover_ack: { prepare: onOthers(({ ctx }, d, p) => handoverAcked(ctx, d, p)) },
  device_name: {
    prepare: async ({ ctx }, device, p) => {
      const change = decodeDeviceName(p.identityData);
      // The sender renamed itself: its record is the one this receive holds (and writes back).
      if (ctx.deviceById(change.deviceId)?.uid === device.uid)
        return {
          device:
            compareVersions(change.version, device.nameVersion) > 0
              ? { ...device, name: change.name, nameVersion: change.version }
              : device,
        };
      await applyDeviceName(ctx, change);
      return { device };
    },
  },
  device_caps: {
    prepare: ownRecord(async ({ ctx }, device, p) => {
      const a = readAnnouncement(p.deviceProtocol, p.deviceCapabilities);
      if (!a) throw new MeowError('REFUSED', { detail: 'device_caps without a protocol version' });
      const next = { ...device, protocolVersion: a.version, capabilities: a.capabilities };
      await adoptPrimaries(ctx, next);
      return next;
    }),
  },
  pair_reveal: {
    beforeConfirm: true,
    prepare: ownRecord(({ pairing }, device, p) => pairing.onReveal(device, p.pairingNonce)),
  },
  pair_ok: {
    beforeConfirm: true,
    prepare: ownRecord(({ pairing }, device) => pairing.onOtherConfirmed(device)),
  },
  pair_confirm: {
    beforeConfirm: true,
    prepare: ownRecord((_m, device, p) => {
      // The existing device starts sending; this device must have confirmed the code itself.
      if (device.pairing?.role !== 'new' || !device.pairing.localConfirmed)
        throw new MeowError('REFUSED', { detail: 'unexpected pairing confirmation' });
      return {
        ...device,
        pairing: {
          ...device.pairing,
          confirmed: true,
          phase: 'syncing',
          by: device.name,
          total: p.progressTotal,
        },
      };
    }),
  },
  pair_refused: {
    beforeConfirm: true,
    prepare: ownRecord((_m, device) => ({
      ...device,
      unlinked: true,
      pairing: device.pairing ? { ...device.pairing, phase: 'refused' } : null,
    })),
  },
  pair_done: {
    prepare: ownRecord(async ({ ctx }, device, p) => {
      ctx.progress.delete(device.uid);
      await ctx.ports.profile.change((id) => (id.pairingPending ? { pairingPending: false } : null));
      return device.pairing
        ? {
            ...device,
            pairing: { ...device.pairing, phase: 'done', done: p.progressTotal, total: p.progressTotal },
          }
        : device;
    }),
  },
};

/** The handler of a sync type this build knows, or undefined (kept for a newer build: deferred.ts). */
export function handlerOf(type: string): SyncHandler | undefined {
  return Object.prototype.hasOwnProperty.call(HANDLERS, type) ? HANDLERS[type as SyncType] : undefined;
}

/** Every kind this build announces has a handler, and every handler is announced. */
export function announcedKinds(): Capability[] {
  return MY_CAPABILITIES.filter((c) => handlerOf(c));
}
