/**
 * Deleting on all my devices: a conversation (messenger/forgetConversation.ts; the contact
 * stays), or a contact with its conversation (messenger/deleteContact.ts).
 */
import type { ConversationView } from '../../../shared/views.js';
import { deleteContact as forgetContact } from '../messenger/deleteContact.js';
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

export function deleteContact(s: ServiceSession, contactId: string): Promise<{ contactId: string }> {
  return s.guard('deleteContact', async () => {
    const m = s.open();
    const p = s.contact(m, contactId);
    await forgetContact(m.core, p.uid, true);
    await s.flushSoon(m); // my other devices learn it now if the relay is there
    return { contactId: p.uid };
  });
}
