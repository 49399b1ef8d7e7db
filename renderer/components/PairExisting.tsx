/**
 * The pairing wizard on the machine that has the chats: scan the new machine's QR code
 * (or paste its link), compare the safety code, confirm, then watch everything go over.
 */
import { useEffect } from 'react';
import { useApp } from '../stores/appStore.js';
import { useDevices } from '../stores/deviceStore.js';
import { usePairing } from '../stores/pairingStore.js';
import { ErrorText } from './ErrorText.js';
import { LinkInput } from './LinkInput.js';
import { Steps } from './PairNewDevice.js';
import { PairingCodeStep } from './PairingCodeStep.js';
import { ProgressBar, SYNC_UNIT } from './ProgressBar.js';
import { useAction } from './useAction.js';
import './Pairing.css';

export function PairExisting() {
  const pairing = usePairing((s) => (s.current?.role === 'existing' ? s.current : null));
  const accept = useAction((link: string) => usePairing.getState().accept(link));
  const close = () => {
    usePairing.getState().reset();
    useApp.getState().go('devices');
    void useDevices.getState().load();
  };
  useEffect(() => {
    if (!usePairing.getState().current)
      void usePairing
        .getState()
        .resume('existing')
        .catch(() => false);
  }, []);
  const phase = pairing?.phase ?? 'waiting';

  return (
    <section
      className="pane pair-existing"
      aria-labelledby="pair-title"
      data-testid="pair-existing"
      data-phase={phase}
    >
      <header className="pane-head">
        <h1 id="pair-title">Link another computer</h1>
        <button className="secondary" onClick={close} data-testid="pair-close">
          {pairing?.phase === 'done' ? 'Back to devices' : 'Cancel'}
        </button>
      </header>
      <div className="pair-card flat">
        <Steps phase={phase} />
        {!pairing && (
          <div className="pair-step">
            <p>
              On the new computer, open Meow and choose <strong>Link to my other computer</strong>. It shows a
              QR code and a link: scan the code with this computer&apos;s camera, or paste the link.
            </p>
            <LinkInput
              what="pairing link"
              busy={accept.busy}
              onLink={(l) => void accept.run(l)}
              submitLabel="Continue"
            />
            <ErrorText error={accept.error} testId="pair-error" />
          </div>
        )}
        {pairing?.phase === 'code' && <PairingCodeStep pairing={pairing} />}
        {pairing?.phase === 'syncing' && (
          <div className="pair-step">
            <h2>Sending your chats to {pairing.deviceName}</h2>
            <p className="muted">Contacts, profile, servers and history go over end-to-end encrypted.</p>
            <ProgressBar
              done={pairing.done}
              total={pairing.total}
              label="Sending contacts, profile and history"
              unit={SYNC_UNIT}
            />
          </div>
        )}
        {pairing?.phase === 'done' && (
          <div className="pair-step" data-testid="pair-done">
            <h2>{pairing.deviceName} is linked</h2>
            <p>Your chats now follow you there. Your contacts see no difference.</p>
            <button className="primary" autoFocus onClick={close}>
              Back to devices
            </button>
          </div>
        )}
        {(pairing?.phase === 'refused' || pairing?.phase === 'expired') && (
          <div className="pair-step">
            <p className="error" role="alert" data-testid="pair-failed">
              {pairing.phase === 'refused'
                ? 'The pairing was cancelled; nothing was sent.'
                : 'The pairing expired before both computers confirmed; nothing was sent.'}
            </p>
            <button className="primary" onClick={() => usePairing.getState().reset()}>
              Try again
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
