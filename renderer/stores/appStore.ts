/** The profile as a whole: where the service stands, the profile, connections, and where the person is in the app. */
import { create } from 'zustand';
import type { AppStateView, ConnectionView, ProfileView } from '../../shared/views.js';
import { call, messageOf } from '../bridge.js';

export type Section = 'chats' | 'contacts' | 'devices' | 'settings' | 'pair';

interface AppStore {
  state: AppStateView | null;
  profile: ProfileView | null;
  connections: ConnectionView[];
  section: Section;
  /** A failure to reach the service at all. */
  fatal: string | null;
  boot(): Promise<void>;
  setState(s: AppStateView): void;
  setProfile(p: ProfileView): void;
  refreshProfile(): Promise<void>;
  setConnection(c: ConnectionView): void;
  go(section: Section): void;
  /** After the profile opens: the loops run, the connections are known. */
  opened(): Promise<void>;
}

export const useApp = create<AppStore>((set, get) => ({
  state: null,
  profile: null,
  connections: [],
  section: 'chats',
  fatal: null,
  async boot() {
    try {
      let state = await call('appState');
      if (state.state === 'locked' && state.remembered) {
        await call('unlockRemembered').catch(() => undefined);
        state = await call('appState');
      }
      set({ state, fatal: null });
      if (state.state === 'open') await get().opened();
    } catch (e) {
      set({ fatal: messageOf(e) });
    }
  },
  setState(state) {
    const was = get().state?.state;
    set({ state });
    if (state.state === 'open' && was !== 'open') void get().opened();
  },
  setProfile(profile) {
    set({ profile });
  },
  async refreshProfile() {
    set({ profile: await call('profile') });
  },
  setConnection(c) {
    set({ connections: [...get().connections.filter((x) => x.server !== c.server), c] });
  },
  go(section) {
    set({ section });
  },
  async opened() {
    const profile = await call('profile');
    set({ profile });
    if (profile.unlinked) return;
    const state = await call('setOnline', true);
    set({ state, connections: await call('connections') });
  },
}));

/** Total unread, for the navigation badge and the window title. */
export function totalUnread(unread: Record<string, number>): number {
  return Object.values(unread).reduce((a, b) => a + b, 0);
}
