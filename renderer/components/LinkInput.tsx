/** A link from the other side: scanned from its QR code with the webcam, or pasted. */
import { useState, type FormEvent, type ReactNode } from 'react';
import { LIMITS } from '../../shared/schemas.js';
import { QrScanner } from './QrScanner.js';

export function LinkInput(props: {
  what: string;
  busy: boolean;
  onLink: (link: string) => void;
  submitLabel: string;
  children?: ReactNode;
  /** The person switched between scanning and pasting (an earlier error no longer applies). */
  onTab?: () => void;
  /** A button beside the submit one (Cancel), on both tabs. */
  extraAction?: ReactNode;
}) {
  const [tab, setTabState] = useState<'scan' | 'paste'>('paste');
  const setTab = (next: 'scan' | 'paste') => {
    if (next !== tab) props.onTab?.();
    setTabState(next);
  };
  const [link, setLink] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (link.trim()) props.onLink(link.trim());
  };
  return (
    <div className="link-input">
      <div role="tablist" aria-label={`How to enter the ${props.what}`} className="tabs">
        <button
          role="tab"
          aria-selected={tab === 'scan'}
          className={tab === 'scan' ? 'tab active' : 'tab'}
          onClick={() => setTab('scan')}
          data-testid="tab-scan"
        >
          Scan QR code
        </button>
        <button
          role="tab"
          aria-selected={tab === 'paste'}
          className={tab === 'paste' ? 'tab active' : 'tab'}
          onClick={() => setTab('paste')}
          data-testid="tab-paste"
        >
          Paste link
        </button>
      </div>
      {tab === 'scan' ? (
        <div role="tabpanel">
          <QrScanner
            hint={`Hold the ${props.what}'s QR code in front of the camera.`}
            onCode={props.onLink}
          />
          {props.children}
          {props.extraAction && <div className="actions">{props.extraAction}</div>}
        </div>
      ) : (
        <form role="tabpanel" onSubmit={submit} className="form">
          <label>
            The {props.what}
            <textarea
              rows={3}
              autoFocus
              maxLength={LIMITS.linkChars}
              value={link}
              onChange={(e) => setLink(e.target.value)}
              placeholder="meow://…"
              data-testid="link-paste"
            />
          </label>
          {props.children}
          <div className="actions">
            <button
              type="submit"
              className="primary"
              disabled={props.busy || !link.trim()}
              data-testid="link-submit"
            >
              {props.busy ? 'Working…' : props.submitLabel}
            </button>
            {props.extraAction}
          </div>
        </form>
      )}
    </div>
  );
}
