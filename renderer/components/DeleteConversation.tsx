/** "Delete conversation": its messages and files go on all my devices; the contact stays. */
import { withDirectionMarks } from '../../shared/text.js';
import { call } from '../bridge.js';
import { useChats } from '../stores/chatStore.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ErrorText } from './ErrorText.js';
import { useAction } from './useAction.js';

export function DeleteConversation(props: { contactId: string; name: string; onDone: () => void }) {
  const remove = useAction(async () => {
    const view = await call('deleteConversation', props.contactId);
    const chats = useChats.getState();
    chats.onConversation(view);
    chats.reload(props.contactId);
    props.onDone();
  });
  return (
    <ConfirmDialog
      open
      title={`Delete the conversation with ${withDirectionMarks(props.name)}?`}
      confirmLabel="Delete"
      danger
      busy={remove.busy}
      onCancel={props.onDone}
      onConfirm={() => void remove.run()}
      testId="delete-conversation-dialog"
    >
      Its messages, files and pictures are deleted on all your devices. {props.name} stays in your contacts
      and keeps their own copy; they are not told.
      <ErrorText error={remove.error} />
    </ConfirmDialog>
  );
}
