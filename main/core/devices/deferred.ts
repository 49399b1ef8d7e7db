/**
 * A change from one of my devices of a kind this build does not know (the sibling runs a
 * newer build and thought this one could take it, or announced wrongly): kept sealed in
 * messages.db and reported once per kind, never acknowledged and lost. When a build that
 * knows the kind opens the profile, the kept changes are applied in arrival order.
 */
import { decodeRatchetState } from '../../../protocol/ratchet/stateBinary.js';
import { decodeStrict, encode, meow } from '../../../protocol/wire/proto.js';
import { deviceLock } from '../locks.js';
import type { DeviceChannel } from '../peers/peer.js';
import { commitOne } from '../receive/commit.js';
import type { DeviceDecider } from '../receive/decision.js';
import type { DeviceContext } from './context.js';
import { handlerOf } from './handlers.js';

const reported = new Set<string>();

/** Keeps it (inside the receive transaction) and tells the person once per device and kind. */
export function keepUnknown(
  ctx: DeviceContext,
  device: DeviceChannel,
  p: meow.DeviceSyncPayload,
  appdata: Uint8Array,
): void {
  ctx.core.db.deferred.keep(device.uid, p.syncType, appdata);
  ctx.core.log.warn('kept a device change of a kind this build does not know', {
    device: device.uid,
    type: p.syncType,
  });
  const key = `${ctx.core.dir}\n${device.uid}\n${p.syncType}`;
  if (reported.has(key)) return;
  reported.add(key);
  ctx.core.emit('notice', { code: 'SYNC_KIND_UNKNOWN', params: { device: device.name, kind: p.syncType } });
}

/**
 * Applies the kept changes this build now knows, each as if it had just arrived on its
 * device's channel (the same decision and commit, with its ratchet step already taken).
 */
export async function applyDeferred(ctx: DeviceContext, decider: DeviceDecider): Promise<number> {
  let applied = 0;
  for (const d of ctx.core.db.deferred.all()) {
    if (!handlerOf(d.syncType)) continue;
    const device = ctx.core.devices.get(d.deviceUid);
    if (!device || device.unlinked) {
      ctx.core.db.deferred.drop(d.id);
      continue;
    }
    let payload: meow.DeviceSyncPayload;
    try {
      payload = decodeStrict(meow.DeviceSyncPayload, 'DeviceSyncPayload', d.payload);
    } catch {
      ctx.core.db.deferred.drop(d.id);
      continue;
    }
    await ctx.core.locks.run(deviceLock(device.uid), async () => {
      const message = meow.UserMessage.create({
        type: 'device_sync',
        appdata: encode(meow.DeviceSyncPayload, payload),
      });
      await replay(ctx, decider, device, message, `deferred/${d.id}`);
      ctx.core.db.deferred.drop(d.id);
    });
    applied++;
  }
  return applied;
}

/** A kept change decided and committed as on arrival (its ratchet step was taken then). */
async function replay(
  ctx: DeviceContext,
  decider: DeviceDecider,
  device: DeviceChannel,
  message: meow.UserMessage,
  serverId: string,
): Promise<void> {
  const current = ctx.core.devices.get(device.uid) ?? device;
  const ratchet = decodeRatchetState(current.drState ?? new Uint8Array(0));
  const step = { peer: current, ratchet, activeAt: Date.now() };
  await commitOne(ctx.core, decider.decide(current, message, serverId, step), (ids) => decider.markSeen(ids));
}
