/**
 * One conversation: who, the messages (virtualised, paged; the list marks read what the
 * person scrolls past), the composer.
 */
import { withDirectionMarks } from '../../shared/text.js';
import { useEffect } from 'react';
import { ReinviteBanner } from './ReinviteBanner.js';
import type { ContactView } from '../../shared/views.js';
import { useApp } from '../stores/appStore.js';
import { useChats } from '../stores/chatStore.js';
import { useContacts } from '../stores/contactStore.js';
import { Avatar } from './Avatar.js';
import { Composer } from './Composer.js';
import { DisappearingTimer } from './DisappearingTimer.js';
import { TypingDots } from './TypingDots.js';
import { MessageList } from './MessageList.js';
import { PictureViewer } from './PictureViewer.js';
import { UserText } from './UserText.js';
import { VerifiedBadge } from './VerifiedBadge.js';
import { useVisible } from './useVisible.js';
import './Conversation.css';

export function Conversation({ contact }: { contact: ContactView; unread?: number }) {
  const thread = useChats((s) => s.threads[contact.id]);
  const reinvited = useContacts((s) => !!s.reinvites[contact.id]);
  const marked = useChats((s) => !!s.conversations[contact.id]?.markedUnread);
  const visible = useVisible();
  // Marked unread by hand: looking at it reads it (the messages are marked read by the list as
  // they are scrolled past).
  useEffect(() => {
    if (visible && marked)
      void useChats
        .getState()
        .markRead(contact.id)
        .catch(() => undefined);
  }, [visible, marked, contact.id]);

  const showContact = () => {
    useContacts.getState().select(contact.id);
    useApp.getState().go('contacts');
  };

  return (
    <section
      className="conversation"
      aria-label={`Conversation with ${withDirectionMarks(contact.name)}`}
      data-testid="conversation"
    >
      <header className="conversation-head">
        <Avatar id={contact.id} name={contact.name} src={contact.avatar} />
        <div className="conversation-who">
          <span className="conversation-name">
            <button className="link-button" onClick={showContact} data-testid="conversation-name">
              <UserText text={contact.name} name />
            </button>
            {contact.verified && <VerifiedBadge name={contact.name} />}
          </span>
          <span className="muted small" data-testid="conversation-status">
            {contact.status ||
              (contact.theirName && contact.theirName !== contact.name ? `“${contact.theirName}”` : '')}
          </span>
        </div>
        <DisappearingTimer contact={contact} />
        {contact.primaryDevice && (
          <span className="muted small" title="Your device that talks to this contact for you">
            via {contact.primaryDevice.name}
          </span>
        )}
      </header>
      {(contact.orphaned || (reinvited && contact.state === 'invited')) && (
        <ReinviteBanner key={contact.id} contact={contact} />
      )}
      <MessageList contactId={contact.id} thread={thread} />
      <TypingDots contact={contact} />
      {!contact.orphaned && <Composer contact={contact} />}
      <PictureViewer contactId={contact.id} />
    </section>
  );
}
