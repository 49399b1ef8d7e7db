/** A link shown in full, selectable, with a Copy button. */
import { useState } from 'react';

export function CopyField({ value, label, testId }: { value: string; label: string; testId?: string }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <div className="copy-field">
      <textarea
        readOnly
        value={value}
        aria-label={label}
        rows={3}
        onFocus={(e) => e.currentTarget.select()}
        data-testid={testId}
      />
      <button
        type="button"
        className="secondary"
        onClick={() => void copy()}
        data-testid={testId && `${testId}-copy`}
      >
        {copied === 'yes' ? 'Copied' : 'Copy link'}
      </button>
      {copied === 'failed' && (
        <small className="muted">Could not copy: select the link and copy it by hand.</small>
      )}
    </div>
  );
}
