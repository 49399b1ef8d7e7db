/**
 * The pairing wizard on the new machine: a large QR code and the link, then the safety
 * code to compare and confirm, then the progress of what arrives, then done.
 */
import { useEffect, useState } from 'react';
import { call } from '../bridge.js';
import { useApp } from '../stores/appStore.js';
import { usePairing } from '../stores/pairingStore.js';
import { expiresIn } from '../lib/format.js';
import { CopyField } from './CopyField.js';
import { ErrorText } from './ErrorText.js';
import { Logo } from './Logo.js';
import { PairingCodeStep } from './PairingCodeStep.js';
import { ProgressBar, SYNC_UNIT } from './ProgressBar.js';
import { StartOver } from './StartOver.js';
import { QrCode } from './QrCode.js';
import { useAction } from './useAction.js';
import { useNow } from './useNow.js';
import './Pairing.css';

export function PairNewDevice() {
  const pairing = usePairing((s) => s.current);
  const profile = useApp((s) => s.profile);
  const now = useNow(1000);
  const [resumed, setResumed] = useState(false);
  const again = useAction(async () => {
    await usePairing.getState().pairNew({});
  });

  useEffect(() => {
    if (pairing || resumed) return;
    void usePairing
      .getState()
      .resume('new')
      .catch(() => false)
      .then(() => setResumed(true));
  }, [pairing, resumed]);

  const finish = async () => {
    usePairing.getState().finish();
    useApp.getState().setProfile(await call('profile'));
  };

  const expired =
    pairing && (pairing.phase === 'expired' || (pairing.phase === 'waiting' && pairing.expiresAt < now));

  return (
    <div className="pair-screen" data-testid="pair-new" data-phase={pairing?.phase ?? 'none'}>
      <div className="pair-card">
        <header className="pair-head">
          <Logo size={40} />
          <div>
            <h1>Link this computer</h1>
            <p className="muted">{profile?.deviceName ? `This computer: ${profile.deviceName}` : ''}</p>
          </div>
        </header>
        <Steps phase={pairing?.phase ?? 'waiting'} />

        {!pairing && resumed && (
          <div className="pair-step">
            <p>No pairing is under way.</p>
            <ErrorText error={again.error} />
            <button
              className="primary"
              onClick={() => void again.run()}
              disabled={again.busy}
              data-testid="pair-again"
            >
              Show a new pairing code
            </button>
          </div>
        )}

        {pairing && pairing.phase === 'waiting' && !expired && (
          <div className="pair-step pair-qr-step">
            <QrCode text={pairing.link} size={320} label="Pairing QR code" testId="pair-qr" />
            <div className="pair-instructions">
              <ol>
                <li>Open Meow on the computer that already has your chats.</li>
                <li>
                  Go to <strong>Devices</strong> and choose <strong>Link another computer</strong>.
                </li>
                <li>Scan this code with its camera, or paste the link below there.</li>
              </ol>
              <CopyField value={pairing.link} label="Pairing link" testId="pair-link" />
              <p className="muted" aria-live="polite">
                Waiting for your other computer… the code expires in {expiresIn(pairing.expiresAt, now)}.
              </p>
            </div>
          </div>
        )}

        {pairing && pairing.phase === 'code' && <PairingCodeStep pairing={pairing} />}

        {pairing && pairing.phase === 'syncing' && (
          <div className="pair-step">
            <h2>Receiving your chats</h2>
            <p className="muted">
              Contacts, profile and history are arriving from {pairing.deviceName || 'your other computer'}.
            </p>
            <ProgressBar
              done={pairing.done}
              total={pairing.total}
              label="Receiving contacts, profile and history"
              unit={SYNC_UNIT}
            />
          </div>
        )}

        {pairing && pairing.phase === 'done' && (
          <div className="pair-step" data-testid="pair-done">
            <h2>This computer is linked</h2>
            <p>
              Your chats follow you here from {pairing.deviceName || 'your other computer'}. Your contacts
              will not notice a thing.
            </p>
            <ProgressBar done={pairing.total} total={pairing.total} label="Received" unit={SYNC_UNIT} />
            <button className="primary" autoFocus onClick={() => void finish()} data-testid="pair-finish">
              Open my chats
            </button>
          </div>
        )}

        {pairing && (expired || pairing.phase === 'refused') && (
          <div className="pair-step">
            <p className="error" role="alert" data-testid="pair-failed">
              {pairing.phase === 'refused'
                ? 'The pairing was cancelled: the codes were not confirmed on both computers.'
                : 'This pairing code has expired.'}
            </p>
            <ErrorText error={again.error} />
            <button
              className="primary"
              onClick={() => void again.run()}
              disabled={again.busy}
              data-testid="pair-again"
            >
              Show a new pairing code
            </button>
          </div>
        )}

        {(!pairing ||
          pairing.phase === 'waiting' ||
          pairing.phase === 'expired' ||
          pairing.phase === 'refused') && (
          <div className="actions pair-cancel">
            <StartOver label="Cancel — back to the start" />
          </div>
        )}
      </div>
    </div>
  );
}

const STEPS = [
  ['waiting', 'Scan'],
  ['code', 'Compare'],
  ['syncing', 'Sync'],
  ['done', 'Done'],
] as const;

export function Steps({ phase }: { phase: string }) {
  const at = STEPS.findIndex(([p]) => p === phase);
  return (
    <ol className="steps" aria-label="Pairing steps">
      {STEPS.map(([p, label], i) => (
        <li
          key={p}
          className={i < at ? 'past' : i === at ? 'now' : ''}
          aria-current={i === at ? 'step' : undefined}
        >
          {label}
        </li>
      ))}
    </ol>
  );
}
