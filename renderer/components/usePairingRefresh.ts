/**
 * While a pairing is under way, reads it again every second and a half. The events carry
 * every step; this only covers a step whose event does not come (the new machine's move
 * to the code step sends none in this version of the service).
 */
import { useEffect } from 'react';
import { usePairing } from '../stores/pairingStore.js';

export function usePairingRefresh(active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const t = setInterval(
      () =>
        void usePairing
          .getState()
          .refresh()
          .catch(() => undefined),
      1500,
    );
    return () => clearInterval(t);
  }, [active]);
}
