/** An invitation given and not answered yet: its code and link again, or cancelled. */
import { withDirectionMarks } from '../../shared/text.js';
import { useState } from 'react';
import type { ContactView, InviteView } from '../../shared/views.js';
import { call } from '../bridge.js';
import { useChats } from '../stores/chatStore.js';
import { useContacts } from '../stores/contactStore.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ErrorText } from './ErrorText.js';
import { InviteLink } from './InvitePanel.js';
import { useAction } from './useAction.js';

export function PendingInvitation({ contact: c }: { contact: ContactView }) {
  const [shown, setShown] = useState<InviteView | null>(null);
  const [confirm, setConfirm] = useState(false);
  const show = useAction(async () => setShown(await call('invitation', c.id)));
  const cancel = useAction(async () => {
    setConfirm(false);
    const { removed } = await call('cancelInvitation', c.id);
    setShown(null);
    if (removed) {
      useContacts.getState().onRemoved(c.id);
      useChats.getState().onRemoved(c.id);
    } else await useContacts.getState().load();
  });
  return (
    <div className="pending-invitation" data-testid="pending-invitation">
      {shown && <InviteLink invite={shown} name={c.name} />}
      <div className="actions start">
        {!shown && (
          <button
            className="secondary"
            onClick={() => void show.run()}
            disabled={show.busy}
            data-testid="invitation-show"
          >
            Show the invitation again
          </button>
        )}
        <button
          className="danger"
          onClick={() => setConfirm(true)}
          disabled={cancel.busy}
          data-testid="invitation-cancel"
        >
          Cancel the invitation
        </button>
      </div>
      <ErrorText error={show.error ?? cancel.error} />
      {confirm && (
        <ConfirmDialog
          open
          title={`Cancel the invitation for ${withDirectionMarks(c.name)}?`}
          confirmLabel="Cancel the invitation"
          cancelLabel="Keep it"
          danger
          busy={cancel.busy}
          onCancel={() => setConfirm(false)}
          onConfirm={() => void cancel.run()}
          testId="invitation-cancel-dialog"
        >
          Its code and link stop working: whoever opens them is told the invitation is no longer valid.
        </ConfirmDialog>
      )}
    </div>
  );
}
