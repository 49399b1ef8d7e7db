/** A pending invitation of mine: shown again, or cancelled (messenger/pendingInvitations.ts). */
import type { InviteView } from '../../../shared/views.js';
import { cancelInvitation as cancel, invitationLink } from '../messenger/pendingInvitations.js';
import type { ServiceSession } from './session.js';

export function invitation(s: ServiceSession, contactId: string): Promise<InviteView> {
  return s.guard('invitation', async () => {
    const m = s.open();
    const { link, expiresAt } = invitationLink(s.contact(m, contactId));
    return { link, contactId, expiresAt };
  });
}

export function cancelInvitation(s: ServiceSession, contactId: string): Promise<{ removed: boolean }> {
  return s.guard('cancelInvitation', async () => {
    const m = s.open();
    return { removed: (await cancel(m.core, s.contact(m, contactId))) === 'deleted' };
  });
}
