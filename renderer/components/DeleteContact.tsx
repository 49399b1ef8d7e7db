/** "Delete contact": the contact and its conversation go on all my devices; they are not told. */
import { withDirectionMarks } from '../../shared/text.js';
import { useState } from 'react';
import type { ContactView } from '../../shared/views.js';
import { call } from '../bridge.js';
import { useChats } from '../stores/chatStore.js';
import { useContacts } from '../stores/contactStore.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ErrorText } from './ErrorText.js';
import { useAction } from './useAction.js';

export function DeleteContact({ contact: c }: { contact: ContactView }) {
  const [confirm, setConfirm] = useState(false);
  const remove = useAction(async () => {
    await call('deleteContact', c.id);
    setConfirm(false);
    useContacts.getState().onRemoved(c.id);
    useChats.getState().onRemoved(c.id);
  });
  return (
    <>
      <button
        className="danger"
        onClick={() => setConfirm(true)}
        aria-label={`Delete ${withDirectionMarks(c.name)}`}
        data-testid="contact-delete"
      >
        Delete contact
      </button>
      {confirm && (
        <ConfirmDialog
          open
          title={`Delete ${withDirectionMarks(c.name)}?`}
          confirmLabel="Delete"
          danger
          busy={remove.busy}
          onCancel={() => setConfirm(false)}
          onConfirm={() => void remove.run()}
          testId="delete-contact-dialog"
        >
          {c.name} and your conversation with them are deleted on all your devices. They are not told; what
          they send from now on reaches none of your devices. To talk again, one of you invites the other.
          <ErrorText error={remove.error} />
        </ConfirmDialog>
      )}
    </>
  );
}
