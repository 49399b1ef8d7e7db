/** Both machines: compare the safety code, then confirm (or refuse). */
import type { PairingView } from '../../shared/views.js';
import { usePairing } from '../stores/pairingStore.js';
import { ErrorText } from './ErrorText.js';
import { SafetyCode } from './SafetyCode.js';
import { useAction } from './useAction.js';

export function PairingCodeStep({ pairing }: { pairing: PairingView }) {
  const confirm = useAction(() => usePairing.getState().confirm());
  const refuse = useAction(() => usePairing.getState().refuse());
  const other = pairing.deviceName || (pairing.role === 'new' ? 'your other computer' : 'the new computer');
  return (
    <div className="pair-step" data-testid="pair-code-step">
      <h2>Compare the safety code</h2>
      <p>
        <strong>{other}</strong> shows a code too. Confirm only if both are the same: nothing private is sent
        before both computers confirm.
      </p>
      <SafetyCode code={pairing.code} />
      {pairing.confirmed ? (
        <p className="muted" aria-live="polite" data-testid="pair-waiting-other">
          You confirmed. Waiting for {other} to confirm…
        </p>
      ) : (
        <div className="actions">
          <button
            className="secondary"
            onClick={() => void refuse.run()}
            disabled={confirm.busy || refuse.busy}
            data-testid="pair-refuse"
          >
            The codes differ
          </button>
          <button
            className="primary"
            autoFocus
            onClick={() => void confirm.run()}
            disabled={confirm.busy || refuse.busy}
            data-testid="pair-confirm"
          >
            {confirm.busy ? 'Confirming…' : 'The codes match'}
          </button>
        </div>
      )}
      {pairing.otherConfirmed && !pairing.confirmed && <p className="muted">{other} has confirmed.</p>}
      <ErrorText error={confirm.error ?? refuse.error} />
    </div>
  );
}
