/** The Devices screen: list my devices, unlink one. */
import { MeowError } from '../errors.js';
import type { Peer } from '../peers/peer.js';
import type { DeviceSync } from './deviceSync.js';

export function findDevice(ds: DeviceSync, ref: string): Peer {
  const me = ds.m.identity;
  if (ref === me.uid || ref.toLowerCase() === me.deviceName.toLowerCase()) {
    throw new MeowError('THIS_DEVICE', { device: me.deviceName });
  }
  const all = ds.m.devices.all().filter((d) => !d.unlinked);
  const d =
    all.find((x) => x.uid === ref || x.deviceId === ref) ??
    all.filter((x) => x.name.toLowerCase() === ref.toLowerCase())[0];
  if (!d) throw new MeowError('UNKNOWN_DEVICE', { device: ref });
  return d;
}

/**
 * Unlinks a device: it is told, every other device is told, its keys are dropped here
 * and nothing more is synced to it; what it still sends is refused.
 */
export async function unlinkDevice(
  ds: DeviceSync,
  ref: string,
): Promise<{ device: Peer; primaryFor: number }> {
  const m = ds.m;
  const device = findDevice(ds, ref);
  const primaryFor = m.peers.all().filter((c) => c.primaryDeviceUid === device.uid).length;
  const notice = { peerUid: device.deviceId };
  m.db.outbox.enqueue([
    ds.send(device, 'device_unlinked', notice),
    ...ds
      .siblings()
      .filter((d) => d.uid !== device.uid)
      .map((d) => ds.send(d, 'device_unlinked', notice)),
  ]);
  // Pack the notice while its keys still exist; it is posted now or, if the relay is away, later.
  await m.flushOutbox().catch((e: unknown) => m.log.warn('unlink notice not sent yet', { error: String(e) }));
  await ds.tombstone(device.uid);
  ds.afterUnlink(device);
  return { device, primaryFor };
}
