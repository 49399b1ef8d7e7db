/** Accepting someone's invitation: scan their QR code or paste their link, optionally name them. */
import { useState } from 'react';
import { LIMITS } from '../../shared/schemas.js';
import { useContacts } from '../stores/contactStore.js';
import { ErrorText } from './ErrorText.js';
import { LinkInput } from './LinkInput.js';
import { useAction } from './useAction.js';

export function AcceptPanel({ onDone }: { onDone: (contactId?: string) => void }) {
  const [name, setName] = useState('');
  const accept = useAction(async (link: string) => {
    const c = await useContacts.getState().accept(link, name.trim() || undefined);
    onDone(c.id);
  });
  return (
    <section className="panel" aria-labelledby="accept-title" data-testid="accept-panel">
      <h2 id="accept-title">Accept an invitation</h2>
      <LinkInput
        what="invitation link"
        busy={accept.busy}
        onLink={(l) => void accept.run(l)}
        submitLabel="Accept"
      >
        <label>
          What do you call them? (optional: their own name otherwise)
          <input
            maxLength={LIMITS.nameChars}
            value={name}
            onChange={(e) => setName(e.target.value)}
            data-testid="accept-name"
          />
        </label>
      </LinkInput>
      <ErrorText error={accept.error} testId="accept-error" />
      <div className="actions">
        <button type="button" className="secondary" onClick={() => onDone()}>
          Cancel
        </button>
      </div>
    </section>
  );
}
