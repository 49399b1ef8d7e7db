/** Which screen the person sees: onboarding, unlock, pairing a new device, unlinked, or the app. */
import { useEffect } from 'react';
import { wireEvents } from '../events.js';
import { wireNotifications } from '../notify.js';
import { useApp } from '../stores/appStore.js';
import { useHost, wireHost } from '../stores/hostStore.js';
import { HostBanner, HostRefused } from './HostBanner.js';
import { usePairing } from '../stores/pairingStore.js';
import { MainLayout } from './MainLayout.js';
import { Onboarding } from './Onboarding.js';
import { PairNewDevice } from './PairNewDevice.js';
import { Splash } from './Splash.js';
import { UnlinkedScreen } from './UnlinkedScreen.js';
import { UnlockScreen } from './UnlockScreen.js';

export function App() {
  const host = useHost((s) => s.status);
  useEffect(() => wireHost(), []);
  if (host === 'spent' || host === 'refused') return <HostRefused spent={host === 'spent'} />;
  return (
    <>
      <HostBanner />
      <Screen />
    </>
  );
}

function Screen() {
  const state = useApp((s) => s.state);
  const profile = useApp((s) => s.profile);
  const fatal = useApp((s) => s.fatal);
  const showNew = usePairing((s) => s.current?.role === 'new' && !s.finished);

  useEffect(() => {
    const off = wireEvents();
    const offNotify = wireNotifications();
    void useApp.getState().boot();
    return () => {
      off();
      offNotify();
    };
  }, []);

  if (fatal) return <Splash error={fatal} />;
  if (!state) return <Splash />;
  if (state.state === 'new') return <Onboarding />;
  if (state.state === 'locked') return <UnlockScreen />;
  if (!profile) return <Splash />;
  if (profile.unlinked) return <UnlinkedScreen unlinked={profile.unlinked} />;
  if (profile.pairingPending || showNew) return <PairNewDevice />;
  return <MainLayout />;
}
