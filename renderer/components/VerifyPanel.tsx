/**
 * Verifying a contact: the safety number both people see (60 digits and a QR code),
 * compared by reading it out, by scanning their QR code with the webcam, or by typing
 * what they read; then marked verified (or no longer).
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { ContactView, SafetyView } from '../../shared/views.js';
import { useContacts } from '../stores/contactStore.js';
import { ErrorText } from './ErrorText.js';
import { Icon } from './Icon.js';
import { QrCode } from './QrCode.js';
import { QrScanner } from './QrScanner.js';
import { SafetyNumber } from './SafetyNumber.js';
import { useAction } from './useAction.js';

type Compare = 'none' | 'camera' | 'type';

/** Typed digits keep only the digits (dashes, dots…); a pasted code text goes as it is. */
function normalise(typed: string): string {
  const t = typed.trim();
  return t.startsWith('meow-verify:') ? t : t.replace(/\D+/g, '');
}

export function VerifyPanel({ contact: c }: { contact: ContactView }) {
  const [safety, setSafety] = useState<SafetyView | null>(null);
  const [compare, setCompare] = useState<Compare>('none');
  const [typed, setTyped] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const load = useAction(async () => setSafety(await useContacts.getState().safety(c.id)));
  const verify = useAction((verified: boolean, scanned?: string) =>
    useContacts.getState().verify(c.id, verified, scanned),
  );
  const loadSafety = load.run;
  // Again whenever the contact changes: a key rotation changes the number.
  useEffect(() => {
    void loadSafety();
  }, [loadSafety, c]);

  const mark = async (verified: boolean, scanned?: string, how?: string) => {
    setDone(null);
    setCompare((m) => (scanned !== undefined && m === 'type' ? m : 'none'));
    if (await verify.run(verified, scanned)) {
      setDone(how ?? null);
      setTyped('');
      setCompare('none');
    }
  };
  const submitTyped = (e: FormEvent) => {
    e.preventDefault();
    if (typed.trim()) void mark(true, normalise(typed), 'The number you entered matches.');
  };
  const back = () => useContacts.getState().select(c.id);

  return (
    <section className="panel verify-panel" aria-labelledby="verify-title" data-testid="verify-panel">
      <header className="panel-title">
        <h2 id="verify-title">Verify {c.name}</h2>
        <button className="secondary push" onClick={back} data-testid="verify-close">
          Back
        </button>
      </header>
      <p>
        You and {c.name} each see a safety number for your conversation. If both are the same, your messages
        can be read by the two of you only. Compare them side by side, or on a call where you recognise{' '}
        {c.name}&apos;s voice, or scan the code on their screen.
      </p>

      <p
        className={c.verified ? 'verify-state verified' : 'verify-state'}
        data-testid="verify-state"
        data-verified={c.verified}
      >
        {c.verified ? (
          <>
            <Icon name="verified" size={20} /> {c.name} is verified.
          </>
        ) : (
          <>Not verified yet.</>
        )}
      </p>
      {done && (
        <p className="muted" role="status" data-testid="verify-done">
          {done}
        </p>
      )}

      {safety ? (
        <div className="verify-body">
          <div className="verify-number">
            <h3>Your safety number with {c.name}</h3>
            <SafetyNumber number={safety.number} />
          </div>
          <figure className="verify-qr">
            <QrCode
              text={safety.qr}
              size={200}
              label={`Safety number QR code for ${c.name}`}
              testId="safety-qr"
            />
            <figcaption className="muted small">{c.name} can scan this code instead.</figcaption>
          </figure>
        </div>
      ) : (
        !load.error && <p className="muted">Working out the safety number…</p>
      )}

      {compare !== 'none' && (
        <div className="verify-compare" data-testid="verify-compare">
          <div role="tablist" aria-label="How to compare" className="tabs">
            <button
              role="tab"
              aria-selected={compare === 'camera'}
              className={compare === 'camera' ? 'tab active' : 'tab'}
              onClick={() => setCompare('camera')}
              data-testid="verify-tab-camera"
            >
              Camera
            </button>
            <button
              role="tab"
              aria-selected={compare === 'type'}
              className={compare === 'type' ? 'tab active' : 'tab'}
              onClick={() => setCompare('type')}
              data-testid="verify-tab-type"
            >
              Type or paste
            </button>
          </div>
          {compare === 'camera' ? (
            <div role="tabpanel">
              <QrScanner
                hint={`Hold the QR code on ${c.name}'s screen in front of the camera.`}
                instead="type the number they read you"
                onCode={(text) => void mark(true, text, 'The code you scanned matches.')}
              />
            </div>
          ) : (
            <form role="tabpanel" className="form" onSubmit={submitTyped}>
              <label>
                The number {c.name} reads you, or the text of their code
                <input
                  autoFocus
                  maxLength={256}
                  value={typed}
                  onChange={(e) => setTyped(e.target.value)}
                  placeholder="12345 67890 …"
                  spellCheck={false}
                  autoComplete="off"
                  data-testid="verify-typed"
                />
              </label>
              <div className="actions start">
                <button
                  type="submit"
                  className="primary"
                  disabled={verify.busy || !typed.trim()}
                  data-testid="verify-typed-submit"
                >
                  Compare
                </button>
              </div>
            </form>
          )}
        </div>
      )}

      <ErrorText error={verify.error ?? load.error} testId="verify-error" />

      {safety && (
        <div className="actions start">
          {c.verified ? (
            <button
              className="secondary"
              onClick={() => void mark(false)}
              disabled={verify.busy}
              data-testid="verify-unmark"
            >
              Mark as not verified
            </button>
          ) : compare === 'none' ? (
            <>
              <button
                className="primary"
                onClick={() => void mark(true)}
                disabled={verify.busy}
                data-testid="verify-match"
              >
                <Icon name="check" size={18} /> The numbers match
              </button>
              <button
                className="secondary"
                onClick={() => {
                  setDone(null);
                  verify.setError(null);
                  setCompare('camera');
                }}
                data-testid="verify-scan"
              >
                <Icon name="qr" size={18} /> Scan their code
              </button>
            </>
          ) : (
            <button
              className="secondary"
              onClick={() => {
                verify.setError(null);
                setCompare('none');
              }}
              data-testid="verify-compare-cancel"
            >
              Cancel
            </button>
          )}
        </div>
      )}
    </section>
  );
}
