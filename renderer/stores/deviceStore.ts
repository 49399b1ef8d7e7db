/** My devices (the hidden device peers): rename, unlink, take over the primary role. */
import { create } from 'zustand';
import type { DeviceView, MakePrimaryView } from '../../shared/views.js';
import { call } from '../bridge.js';

interface DeviceStore {
  devices: Record<string, DeviceView>;
  load(): Promise<void>;
  rename(id: string, name: string): Promise<void>;
  unlink(id: string, force?: boolean): Promise<void>;
  makePrimary(): Promise<MakePrimaryView>;
  onDevice(d: DeviceView): void;
}

export const useDevices = create<DeviceStore>((set, get) => ({
  devices: {},
  async load() {
    const list = await call('devices');
    set({ devices: Object.fromEntries(list.map((d) => [d.id, d])) });
  },
  async rename(id, name) {
    get().onDevice(await call('renameDevice', id, name));
  },
  async unlink(id, force) {
    get().onDevice(await call('unlinkDevice', id, force ? { force } : undefined));
  },
  async makePrimary() {
    return call('makePrimary');
  },
  onDevice(d) {
    set({ devices: { ...get().devices, [d.id]: d } });
  },
}));

/** This device first, then the linked ones by name; unlinked devices are not listed. */
export function visibleDevices(all: Record<string, DeviceView>): DeviceView[] {
  return Object.values(all)
    .filter((d) => d.state !== 'unlinked')
    .sort((a, b) => Number(b.thisDevice) - Number(a.thisDevice) || a.name.localeCompare(b.name));
}
