/** The Devices screen: list my devices, unlink one. */
import { MeowError } from '../errors.js';
import type { Peer } from '../peers/peer.js';
import type { DeviceSync } from './deviceSync.js';

export interface DeviceView {
  uid: string;
  name: string;
  deviceId: string;
  lastSeen: number;
  primaryFor: number;
  state: 'this device' | 'linked' | 'pairing' | 'unlinked';
  /** On this device's own entry: who unlinked it, if anyone did. */
  unlinkedBy?: string;
  thisDevice: boolean;
}

export function listDevices(ds: DeviceSync): DeviceView[] {
  const m = ds.m;
  const contacts = m.peers.all().filter((p) => p.type === 'contact' && p.state !== 'invited');
  const primaryFor = (uid: string) => contacts.filter((c) => c.primaryDeviceUid === uid).length;
  const self: DeviceView = {
    uid: m.identity.uid,
    name: m.identity.deviceName,
    deviceId: m.identity.uid,
    lastSeen: Date.now(),
    primaryFor: primaryFor(''),
    state: m.identity.unlinked ? 'unlinked' : 'this device',
    thisDevice: true,
    ...(m.identity.unlinked ? { unlinkedBy: m.identity.unlinked.by } : {}),
  };
  const others = m.devices
    .all()
    // A pairing that was refused or never answered is not a device of mine.
    .filter((d) => (d.deviceId || d.pairing?.role === 'existing') && (d.pairing?.confirmed || !d.unlinked))
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((d): DeviceView => ({
      uid: d.deviceId || d.uid, // the device's own id: the same on every device of mine
      name: d.name,
      deviceId: d.deviceId,
      lastSeen: d.lastActivityAt,
      primaryFor: primaryFor(d.uid),
      state: d.unlinked ? 'unlinked' : d.pairing?.confirmed ? 'linked' : 'pairing',
      thisDevice: false,
    }));
  return [self, ...others];
}

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
  m.db.enqueue([
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
