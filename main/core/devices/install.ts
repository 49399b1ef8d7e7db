/**
 * Multi-device sync plugs into the messenger here: device channels, fan-out to
 * sibling devices, the primary relay routing, and the periodic dedup prune.
 */
import type { Messenger } from '../messenger/messenger.js';
import { DeviceSync } from './deviceSync.js';
import { Pairing } from './pairing.js';

export interface DeviceFeatures {
  sync: DeviceSync;
  pairing: Pairing;
}

const installed = new WeakMap<Messenger, DeviceFeatures>();

export function installDeviceSync(m: Messenger): DeviceFeatures {
  const existing = installed.get(m);
  if (existing) return existing;
  const sync = new DeviceSync(m);
  const pairing = new Pairing(sync);
  m.extensions = {
    devices: sync,
    routing: sync.routing,
    fanOut: (_core, change, except) => sync.fanOut(change, except),
    pulls: sync.pulls,
    outgoing: sync.outgoing,
    prune: () => sync.dedup.prune(),
    close: () => sync.close(),
    resume: async () => {
      await sync.resumeHandovers();
    },
  };
  const features = { sync, pairing };
  installed.set(m, features);
  return features;
}

/** The device features of a messenger (installs them if needed). */
export function devicesOf(m: Messenger): DeviceFeatures {
  return installDeviceSync(m);
}
