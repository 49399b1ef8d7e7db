/**
 * The page's connection to its host (the browser host can restart; Electron's cannot). A
 * drop shows "Meow was restarted — reconnecting"; once back, the app asks the service
 * where it stands again (a restarted host is locked: the password screen) and reads
 * conversations, contacts and devices afresh, since events in between were missed.
 */
import { create } from 'zustand';
import type { HostStatus } from '../../shared/bridge.js';
import { useApp } from './appStore.js';
import { useChats } from './chatStore.js';
import { useContacts } from './contactStore.js';
import { useDevices } from './deviceStore.js';

interface HostStore {
  status: HostStatus;
}

export const useHost = create<HostStore>(() => ({
  status: window.meow?.host?.status() ?? 'connected',
}));

/** Everything read from the service again, once the profile is open. */
function resync(): void {
  const ignore = () => undefined;
  void useChats.getState().load().catch(ignore);
  void useContacts.getState().load().catch(ignore);
  void useDevices.getState().load().catch(ignore);
  const open = useChats.getState().open;
  if (open) useChats.getState().reload(open);
}

async function reconnected(): Promise<void> {
  await useApp.getState().boot();
  if (useApp.getState().state?.state === 'open') return resync();
  // Locked (a restarted host): read afresh once the person has unlocked.
  const off = useApp.subscribe((s) => {
    if (s.state?.state !== 'open') return;
    off();
    resync();
  });
}

/** Follows the bridge's status; returns the unsubscribe. */
export function wireHost(): () => void {
  const host = window.meow?.host;
  if (!host) return () => undefined;
  useHost.setState({ status: host.status() });
  return host.onStatus((status) => {
    const was = useHost.getState().status;
    useHost.setState({ status });
    if (status === 'connected' && was === 'reconnecting') void reconnected();
  });
}
