/**
 * Accepting someone's invitation: scan their QR code or paste their link; then see who it
 * is from (and whether I already have a contact of that name) before accepting, and
 * optionally name them. A refused link is not taken again from the camera, and an error
 * goes away when the person switches tab or starts over.
 */
import { withDirectionMarks } from '../../shared/text.js';
import { useRef, useState } from 'react';
import { LIMITS } from '../../shared/schemas.js';
import type { InvitePreviewView } from '../../shared/views.js';
import { call } from '../bridge.js';
import { useContacts } from '../stores/contactStore.js';
import { ErrorText } from './ErrorText.js';
import { LinkInput } from './LinkInput.js';
import { UserText } from './UserText.js';
import { useAction } from './useAction.js';

export function AcceptPanel({ onDone }: { onDone: (contactId?: string) => void }) {
  const [name, setName] = useState('');
  const [preview, setPreview] = useState<{ link: string; view: InvitePreviewView } | null>(null);
  const refused = useRef<string | null>(null);
  const read = useAction(async (link: string) => {
    try {
      setPreview({ link, view: await call('previewInvite', { link }) });
    } catch (e) {
      refused.current = link;
      throw e;
    }
  });
  const accept = useAction(async () => {
    if (!preview) return;
    const c = await useContacts.getState().accept(preview.link, name.trim() || undefined);
    onDone(c.id);
  });
  const onLink = (link: string) => {
    if (link === refused.current || read.busy) return; // the camera still shows the refused code
    void read.run(link);
  };
  const clearErrors = () => {
    refused.current = null;
    read.setError(null);
    accept.setError(null);
  };

  if (preview) {
    const { view } = preview;
    return (
      <section className="panel" aria-labelledby="accept-title" data-testid="accept-panel">
        <h2 id="accept-title">
          Invitation from <UserText text={view.name} name />
        </h2>
        {view.message && (
          <blockquote className="invite-message" data-testid="accept-message">
            <UserText text={view.message} />
          </blockquote>
        )}
        {view.sameName.length > 0 && (
          <p className="banner warning" role="alert" data-testid="accept-duplicate">
            You already have a contact named <UserText text={view.sameName[0]!.name} name />. If this is the
            same person, you do not need to accept again: accepting makes a second, separate contact.
          </p>
        )}
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            void accept.run();
          }}
        >
          <label>
            What do you call them? (optional: their own name otherwise)
            <input
              maxLength={LIMITS.nameChars}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder={withDirectionMarks(view.name)}
              data-testid="accept-name"
            />
          </label>
          <ErrorText error={accept.error} testId="accept-error" />
          <div className="actions">
            <button type="submit" className="primary" disabled={accept.busy} data-testid="accept-confirm">
              {accept.busy ? 'Accepting…' : view.sameName.length ? 'Accept anyway' : 'Accept'}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                clearErrors();
                setPreview(null);
              }}
              data-testid="accept-back"
            >
              Back
            </button>
          </div>
        </form>
      </section>
    );
  }

  return (
    <section className="panel" aria-labelledby="accept-title" data-testid="accept-panel">
      <h2 id="accept-title">Accept an invitation</h2>
      <LinkInput
        what="invitation link"
        busy={read.busy}
        onLink={onLink}
        onTab={clearErrors}
        submitLabel="Continue"
        extraAction={
          <button type="button" className="secondary" onClick={() => onDone()} data-testid="accept-cancel">
            Cancel
          </button>
        }
      >
        {/* Above the buttons, on either tab: the buttons stay together. */}
        <ErrorText error={read.error} testId="accept-error" />
      </LinkInput>
    </section>
  );
}
