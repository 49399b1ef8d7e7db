/** My other devices: list, rename, unlink (refused while one still talks to contacts, unless forced), make this one primary. */
import { ServiceError } from '../../../shared/errors.js';
import type { DeviceView, MakePrimaryView } from '../../../shared/views.js';
import type { Messenger } from '../messenger/messenger.js';
import type { DeviceChannel } from '../peers/peer.js';
import { deviceIdOf, deviceViews } from './views.js';

import type { ServiceSession } from './session.js';
import { hasVisibleCharacter } from '../../../shared/text.js';

export function devices(s: ServiceSession): Promise<DeviceView[]> {
  return s.guard('devices', async () => deviceViews(s.open()));
}

/** A linked device of mine by its device id (this device is THIS_DEVICE). */
function device(s: ServiceSession, m: Messenger, deviceId: string): DeviceChannel {
  if (deviceId === m.identity.uid) throw new ServiceError('THIS_DEVICE', { device: m.identity.deviceName });
  const d = m.devices.all().find((x) => !x.unlinked && deviceIdOf(x) === deviceId);
  if (!d) throw new ServiceError('UNKNOWN_DEVICE', { device: deviceId });
  return d;
}

export function renameDevice(s: ServiceSession, deviceId: string, name: string): Promise<DeviceView> {
  return s.guard('renameDevice', async () => {
    const m = s.open();
    const clean = name.trim();
    if (!hasVisibleCharacter(clean)) throw new ServiceError('EMPTY_NAME', {});
    const target = deviceId === m.identity.uid ? null : device(s, m, deviceId);
    await m.deviceSync.renameDevice(target ? target.deviceId : m.identity.uid, clean);
    await s.flushSoon(m);
    return deviceViews(m).find((v) => v.id === deviceId)!;
  });
}

export function unlinkDevice(
  s: ServiceSession,
  deviceId: string,
  opts: { force?: boolean } = {},
): Promise<DeviceView> {
  return s.guard('unlinkDevice', async () => {
    const m = s.open();
    const d = device(s, m, deviceId);
    const primaryFor = m.peers
      .all()
      .filter((c) => c.type === 'contact' && c.primary?.device === d.uid).length;
    if (primaryFor > 0 && !opts.force)
      throw new ServiceError('DEVICE_IS_PRIMARY', { device: d.name, contacts: primaryFor });
    await m.deviceSync.unlink(d.uid);
    await s.flushSoon(m);
    const view: DeviceView = deviceViews(m).find((v) => v.id === deviceId) ?? {
      id: deviceId,
      name: d.name,
      thisDevice: false,
      state: 'unlinked',
      lastSeen: d.lastActivityAt,
      primaryFor: 0,
      waitingForwards: 0,
      handingOver: 0,
    };
    s.emit('device:changed', view);
    return view;
  });
}

export function makePrimary(s: ServiceSession, opts: { contactId?: string } = {}): Promise<MakePrimaryView> {
  return s.guard('makePrimary', async () => {
    const m = s.open();
    if (opts.contactId) s.contact(m, opts.contactId);
    const r = await m.deviceSync.requestPrimary(opts.contactId);
    await s.flushSoon(m);
    return r;
  });
}
