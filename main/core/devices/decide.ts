/**
 * The decision for a message on one of my devices' channels (the receive path's
 * DeviceDecider): an answer to my introduction or to my pairing link completes the channel;
 * otherwise a device_sync change, checked — well-formed, from a confirmed device unless it
 * is a pairing step, not seen before — and handed to its handler (handlers.ts). A kind this
 * build does not know is kept for a newer build and reported (deferred.ts), never dropped.
 */
import { meow } from '../../../protocol/wire/proto.js';
import { isStorageFailure, MeowError } from '../errors.js';
import { finalizeInvitation } from '../peers/invitation.js';
import type { DeviceChannel } from '../peers/peer.js';
import type { Change, ChannelStep, Decision } from '../receive/decision.js';
import { withCardAnnouncement } from './capabilities.js';
import { keepUnknown } from './deferred.js';
import { handlerOf, type DeviceModules, type Prepared, type SyncHandler } from './handlers.js';
import { decodePayload } from './payloads.js';

export function decideDevice(
  m: DeviceModules,
  device: DeviceChannel,
  message: meow.UserMessage,
  serverId: string,
  step: ChannelStep,
): Decision {
  const { ctx } = m;
  const core = ctx.core;
  const refused = (msg: string, data: Record<string, unknown>, withStep = true): Decision => ({
    kind: 'drop',
    serverId,
    ...(withStep ? { step } : {}),
    why: { msg, data: { device: device.uid, ...data } },
  });
  if (device.state === 'invited' && device.pairing?.role === 'introduced') {
    // The newcomer answered my introduction card: the channel is complete (introduction.ts).
    let next: DeviceChannel;
    try {
      if (message.type !== 'invitation_answer' || !message.invitation)
        throw new MeowError('REFUSED', { detail: 'expected the answer to an introduction' });
      const card = meow.ContactCard.create(message.invitation);
      next = {
        ...withCardAnnouncement(finalizeInvitation(device, card), card),
        pairing: { ...device.pairing, phase: 'done', confirmed: true },
      };
      if (next.deviceId !== device.deviceId)
        throw new MeowError('REFUSED', { detail: 'the answer comes from another device than introduced' });
    } catch (e) {
      if (isStorageFailure(e)) throw e;
      return refused('refused an introduction answer', { error: (e as Error).message }, false);
    }
    const by = device.pairing.by;
    return {
      kind: 'apply',
      serverId,
      step,
      record: next,
      recordFirst: true,
      after: () => {
        core.log.info('a device was linked to this identity', { device: next.name, by });
        // (with its id, so "This wasn't me" can unlink it; and when, as this device learnt it)
        core.emit('notice', {
          code: 'DEVICE_ADDED',
          params: { device: next.name, by, deviceId: next.deviceId || next.uid, at: Date.now() },
        });
        core.emit('device', next.uid);
      },
    };
  }
  if (device.state === 'invited') {
    // The answer to my pairing link: the new device now shows the code (pairing.ts).
    return {
      kind: 'apply',
      serverId,
      step,
      prepare: async (): Promise<Change | 'refused'> => {
        let next: DeviceChannel;
        try {
          next = await m.pairing.onAnswer(device, message);
        } catch (e) {
          if (isStorageFailure(e)) throw e;
          core.log.warn('refused a pairing answer', { device: device.uid, error: (e as Error).message });
          return 'refused';
        }
        // The finalized channel is what the answer carried: never lost to a crash.
        return { record: next, recordFirst: true, after: () => ctx.emitPairing(next) };
      },
    };
  }
  let payload: meow.DeviceSyncPayload;
  try {
    payload = decodePayload(message);
  } catch (e) {
    return refused('refused a malformed device message', { error: (e as Error).message });
  }
  const type = payload.syncType;
  const handler = handlerOf(type);
  if (!device.pairing?.confirmed && !handler?.beforeConfirm)
    return refused('refused a sync from a device not confirmed yet', { type });
  const dedupId = payload.dedupId;
  if (dedupId && ctx.ports.dedup.isSeen(dedupId)) return { kind: 'drop', serverId, step };
  const seen = (sink: { seen: Set<string>; changed: string[] }) => {
    if (dedupId) sink.seen.add(dedupId);
    sink.changed.push('device');
  };
  if (!handler) {
    return {
      kind: 'apply',
      serverId,
      step,
      // Not marked seen: the build that applies it later must not take it for a repeat.
      effects: (sink) => {
        keepUnknown(ctx, device, payload, message.appdata);
        sink.changed.push('device');
      },
    };
  }
  try {
    handler.check?.(payload);
  } catch (e) {
    if (isStorageFailure(e)) throw e;
    return refused('refused a device sync', { type, error: (e as Error).message });
  }
  if (handler.apply) {
    const apply = handler.apply;
    return {
      kind: 'apply',
      serverId,
      step,
      effects: (sink) => {
        if (dedupId && sink.seen.has(dedupId)) return; // twice in one run
        apply(m, device, payload, sink);
        seen(sink);
      },
    };
  }
  return { kind: 'apply', serverId, step, prepare: () => prepared(m, handler, device, payload, seen) };
}

/** A handler's work on other records, then what the device's record and the transaction get. */
async function prepared(
  m: DeviceModules,
  handler: SyncHandler,
  device: DeviceChannel,
  payload: meow.DeviceSyncPayload,
  seen: (sink: { seen: Set<string>; changed: string[] }) => void,
): Promise<Change> {
  let applied: Prepared = { device };
  try {
    applied = await handler.prepare!(m, device, payload);
  } catch (e) {
    if (isStorageFailure(e)) throw e;
    m.ctx.core.log.warn('refused a device sync', {
      device: device.uid,
      type: payload.syncType,
      error: (e as Error).message,
    });
  }
  const pairingMoved = !!applied.device.pairing && applied.device.pairing !== device.pairing;
  return {
    record: applied.device,
    recordFirst: applied.recordFirst,
    effects: (sink) => {
      applied.effects?.(sink);
      seen(sink);
    },
    after: () => {
      if (pairingMoved) m.ctx.emitPairing(applied.device);
    },
  };
}
