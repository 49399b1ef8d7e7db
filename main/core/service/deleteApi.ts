/** Deleting a conversation on all my devices (messenger/forgetConversation.ts); the contact stays. */
import type { ConversationView } from '../../../shared/views.js';
import { deleteConversation as forget } from '../messenger/forgetConversation.js';
import type { ServiceSession } from './session.js';

export function deleteConversation(s: ServiceSession, contactId: string): Promise<ConversationView> {
  return s.guard('deleteConversation', async () => {
    const m = s.open();
    const p = s.contact(m, contactId);
    await forget(m.core, p.uid);
    await s.flushSoon(m); // my other devices learn it now if the relay is there
    return s.conversation(m, p);
  });
}
