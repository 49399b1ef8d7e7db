/**
 * Unlinking a device: it is told, every other device is told, its keys are dropped and
 * nothing more is synced to it; what it still sends is refused; every channel it could
 * have read or signed for rotates its keys.
 */
import type { meow } from '../../../protocol/wire/proto.js';
import { MeowError } from '../errors.js';
import { deviceLock } from '../locks.js';
import type { DeviceChannel } from '../peers/peer.js';
import type { DeviceContext } from './context.js';
import { revertHandoversTo } from './handover.js';
import { unlinkedChannel } from './secrets.js';

/** A device of mine by uid, device id or name (never this one). */
export function findDevice(ctx: DeviceContext, ref: string): DeviceChannel {
  const me = ctx.me;
  if (ref === me.uid || ref.toLowerCase() === me.deviceName.toLowerCase()) {
    throw new MeowError('THIS_DEVICE', { device: me.deviceName });
  }
  const all = ctx.core.devices.all().filter((d) => !d.unlinked);
  const d =
    all.find((x) => x.uid === ref || x.deviceId === ref) ??
    all.filter((x) => x.name.toLowerCase() === ref.toLowerCase())[0];
  if (!d) throw new MeowError('UNKNOWN_DEVICE', { device: ref });
  return d;
}

/** `devices unlink`: tells it and every other device, then drops it and rotates what it could reach. */
export async function unlinkDevice(
  ctx: DeviceContext,
  ref: string,
): Promise<{ device: DeviceChannel; primaryFor: number }> {
  const core = ctx.core;
  const device = findDevice(ctx, ref);
  const primaryFor = core.peers.all().filter((c) => c.primary?.device === device.uid).length;
  const notice = { peerUid: device.deviceId };
  core.db.outbox.enqueue([
    ctx.send(device, 'device_unlinked', notice),
    ...ctx
      .siblings()
      .filter((d) => d.uid !== device.uid)
      .map((d) => ctx.send(d, 'device_unlinked', notice)),
  ]);
  // Pack the notice while its keys still exist; it is posted now or, if the relay is away, later.
  await ctx.ports.send
    .flush()
    .catch((e: unknown) => core.log.warn('unlink notice not sent yet', { error: String(e) }));
  await tombstone(ctx, device.uid);
  afterUnlink(ctx, device);
  return { device, primaryFor };
}

/** A sibling says a device was unlinked — or that I was. */
export async function applyUnlinked(
  ctx: DeviceContext,
  from: DeviceChannel,
  p: meow.DeviceSyncPayload,
): Promise<void> {
  const core = ctx.core;
  const target = p.peerUid;
  if (target === ctx.me.uid) {
    // I am the one unlinked: stop syncing with everyone.
    await ctx.ports.profile.change(() => ({ unlinked: { at: Date.now(), by: from.name } }));
    for (const d of core.devices.all()) await tombstone(ctx, d.uid, d.uid === from.uid);
    core.emit('notice', { code: 'THIS_DEVICE_UNLINKED', params: { by: from.name } });
    return;
  }
  const d = ctx.deviceById(target);
  if (d && !d.unlinked) {
    await tombstone(ctx, d.uid, d.uid === from.uid);
    core.emit('notice', { code: 'DEVICE_UNLINKED', params: { device: d.name } });
    afterUnlink(ctx, d);
  }
}

/**
 * A device of mine was unlinked: every channel this device drives gets fresh keys through
 * its ratchet (peers/rotation.ts) — every contact, since a device paired by an older
 * version may have held any contact's keys, and every remaining device channel — so that
 * whatever the unlinked device kept can neither read, pull nor sign anything new. The
 * contacts it drove itself are lost to my other devices: the person is told which.
 */
export function afterUnlink(ctx: DeviceContext, device: DeviceChannel): void {
  const core = ctx.core;
  for (const c of core.peers.all()) {
    if (c.type !== 'contact') continue;
    const drivenByIt =
      (c.primary?.device === device.uid && !c.primary.pending) ||
      (!!device.deviceId && c.primary?.pending === device.deviceId);
    if (drivenByIt) {
      core.emit('notice', { code: 'CONTACT_ORPHANED', params: { contact: c.name, device: device.name } });
      core.emit('contact', c.uid); // its view now says so (orphaned)
    } else if (!c.primary && c.drState && c.state !== 'invited') {
      ctx.ports.rotation.rotateChannel('peer', c.uid);
    }
  }
  for (const d of ctx.siblings()) if (d.uid !== device.uid) ctx.ports.rotation.rotateChannel('device', d.uid);
}

/**
 * An unlinked device: keys dropped, nothing more is synced; its queue is still read so
 * what it sends is refused. Takes the device's lock unless `lockHeld` (the caller is
 * processing a message from that very device).
 */
export async function tombstone(ctx: DeviceContext, uid: string, lockHeld = false): Promise<void> {
  const core = ctx.core;
  const wipe = async () => {
    const d = core.devices.get(uid);
    if (!d || d.unlinked) return;
    const wiped = unlinkedChannel(d);
    core.db.outbox.dropFor('device', d.uid);
    await core.devices.put(wiped);
    core.emit('device', wiped.uid);
  };
  await (lockHeld ? wipe() : core.locks.run(deviceLock(uid), wipe));
  await revertHandoversTo(ctx, uid);
}
