/**
 * A contact whose keys were on a device I unlinked: none of my devices can reach them any
 * more. One step — a new invitation — brings the conversation back (history kept).
 */
import type { ContactView } from '../../shared/views.js';
import { useContacts } from '../stores/contactStore.js';
import { ErrorText } from './ErrorText.js';
import { InviteLink } from './InvitePanel.js';
import { useAction } from './useAction.js';

export function ReinviteBanner({ contact: c }: { contact: ContactView }) {
  const invite = useContacts((s) => s.reinvites[c.id]);
  const create = useAction(async () => {
    await useContacts.getState().reinvite(c.id);
  });
  if (invite && !c.orphaned)
    return (
      <div className="reinvite panel" role="status" data-testid="reinvite">
        <InviteLink invite={invite} name={c.name} />
        <p className="muted small">
          Tell {c.name} it is you: the device that talked to them was unlinked, and someone holding it could
          still write as you in their old conversation.
        </p>
      </div>
    );
  return (
    <div className="reinvite" role="alert" data-testid="reinvite">
      <p>
        The device that talked to {c.name} was unlinked, with the keys of this conversation. Invite {c.name}{' '}
        again to go on here.
      </p>
      <ErrorText error={create.error} />
      <button
        className="primary"
        onClick={() => void create.run()}
        disabled={create.busy}
        data-testid="reinvite-create"
      >
        {create.busy ? 'Creating…' : `Invite ${c.name} again`}
      </button>
    </div>
  );
}
