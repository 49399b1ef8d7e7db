/** Linking a computer: a new device shows a link; the device with the identity accepts it; both confirm the code. */
import { ServiceError } from '../../../shared/errors.js';
import type { PairNewArgs } from '../../../shared/service.js';
import type { PairingView } from '../../../shared/views.js';
import { defaultDeviceName, IdentityFile } from '../identity/identity.js';
import { DEFAULT_LOG_N } from '../identity/passwordBox.js';
import { Messenger } from '../messenger/messenger.js';
import { pairingView, pairingViews } from './views.js';

import type { ServiceSession } from './session.js';

export function pairNew(s: ServiceSession, args: PairNewArgs): Promise<PairingView> {
  return s.guard('pairNew', async () => {
    await s.lifecycle.run('life', async () => {
      if (s.m) {
        if (!s.m.identity.pairingPending)
          throw new ServiceError('PAIRING_HAS_IDENTITY', { profile: s.opts.profile });
        return;
      }
      if (IdentityFile.exists(s.opts.profile)) throw new ServiceError('NOT_OPEN', {});
      const password = args.password ?? '';
      if (!password) throw new ServiceError('NO_PASSWORD', {});
      s.requirePassword(password);
      if (!args.serverUrl?.trim()) throw new ServiceError('NO_SERVER', {});
      await s.resumeLocalRelay();
      const m = await Messenger.create(
        s.opts.profile,
        password,
        {
          nickname: '',
          serverUrl: args.serverUrl.trim(),
          deviceName: args.deviceName?.trim() || defaultDeviceName(),
          logN: s.opts.kdfLogN ?? DEFAULT_LOG_N,
          pairingPending: true,
        },
        s.messengerOptions(),
      );
      s.adopt(m);
    });
    const m = s.open();
    // One pairing at a time: a new link replaces a waiting one.
    const { device } = await m.pairing.init();
    const view = pairingView(m, device)!;
    s.emit('pairing:progress', view);
    return view;
  });
}

export function pairAccept(
  s: ServiceSession,
  args: { link: string; historyDays?: number },
): Promise<PairingView> {
  return s.guard('pairAccept', async () => {
    const m = s.open();
    const { device } = await m.pairing.accept(args.link, { historyDays: args.historyDays });
    await s.flushSoon(m); // the new device can show the code now
    const view = pairingView(m, m.devices.get(device.uid) ?? device)!;
    s.emit('pairing:progress', view);
    return view;
  });
}

export function pairConfirm(
  s: ServiceSession,
  pairingId: string,
  opts: { historyDays?: number } = {},
): Promise<PairingView> {
  return s.guard('pairConfirm', async () => {
    const m = s.open();
    const d = s.pairingOf(m, pairingId);
    if (d.pairing!.role === 'existing') {
      await m.pairing.confirm(d.uid, { historyDays: opts.historyDays });
      await s.flushSoon(m);
    } else {
      await m.pairing.confirmOnNewDevice(d.uid);
      await s.flushSoon(m); // the other device learns it now and can start sending
    }
    const view = pairingView(m, m.devices.get(d.uid)!)!;
    s.emit('pairing:progress', view);
    return view;
  });
}

export function pairRefuse(s: ServiceSession, pairingId: string): Promise<PairingView> {
  return s.guard('pairRefuse', async () => {
    const m = s.open();
    const d = s.pairingOf(m, pairingId);
    if (d.pairing!.role === 'existing') await m.pairing.refuse(d.uid);
    else await m.pairing.refuseOnNewDevice(d.uid);
    const view = pairingView(m, m.devices.get(d.uid)!)!;
    s.emit('pairing:progress', view);
    return view;
  });
}

export function pairings(s: ServiceSession): Promise<PairingView[]> {
  return s.guard('pairings', async () => pairingViews(s.open()));
}
