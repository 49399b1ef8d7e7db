/**
 * "Start over on this computer" (an unlinked computer, or one still waiting to be linked):
 * asks first, then empties the profile and goes back to the first screen.
 */
import { useState } from 'react';
import { call } from '../bridge.js';
import { useApp } from '../stores/appStore.js';
import { usePairing } from '../stores/pairingStore.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ErrorText } from './ErrorText.js';
import { useAction } from './useAction.js';

export function StartOver({ label, primary = false }: { label: string; primary?: boolean }) {
  const [asking, setAsking] = useState(false);
  const run = useAction(async () => {
    const state = await call('startOver');
    setAsking(false);
    // Nothing of the old profile stays on screen: no profile, no pairing under way.
    useApp.setState({ profile: null });
    usePairing.setState({ current: null, finished: false });
    useApp.getState().setState(state);
  });
  return (
    <>
      <button
        type="button"
        className={primary ? 'primary' : 'secondary'}
        onClick={() => setAsking(true)}
        data-testid="start-over"
      >
        {label}
      </button>
      <ErrorText error={run.error} testId="start-over-error" />
      <ConfirmDialog
        open={asking}
        title="Start over on this computer?"
        confirmLabel="Start over"
        danger
        busy={run.busy}
        onConfirm={() => void run.run()}
        onCancel={() => setAsking(false)}
        testId="start-over-dialog"
      >
        Meow forgets everything on this computer and shows its first screen: you can then create an identity
        or link it to your other computer again. Nothing on your other devices changes.
      </ConfirmDialog>
    </>
  );
}
