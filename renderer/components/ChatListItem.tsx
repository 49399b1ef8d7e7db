/** One conversation in the list: name, last message, time, unread count. */
import { withDirectionMarks } from '../../shared/text.js';
import type { ContactView } from '../../shared/views.js';
import { listTime } from '../lib/format.js';
import { useChats, type ChatSummary } from '../stores/chatStore.js';
import { Avatar } from './Avatar.js';
import { UserText } from './UserText.js';

function preview(c: ChatSummary, contact: ContactView): string {
  const m = c.lastMessage;
  if (!m && contact.state === 'invited') return 'Invitation given, not answered yet';
  if (c.draft) return `Draft: ${c.draft.replace(/\s+/g, ' ')}`;
  if (!m) return contact.status || 'No messages yet';
  return (m.outbound ? 'You: ' : '') + (m.deleted ? 'message deleted' : m.text.replace(/\s+/g, ' '));
}

export function ChatListItem({
  conversation: c,
  contact,
  active,
}: {
  conversation: ChatSummary;
  contact: ContactView;
  active: boolean;
}) {
  const label = `${withDirectionMarks(contact.name)}${c.unread ? `, ${c.unread} unread` : c.markedUnread ? ', marked unread' : ''}`;
  return (
    <button
      className={active ? 'chat-item active' : 'chat-item'}
      aria-current={active ? 'true' : undefined}
      aria-label={label}
      onClick={() => useChats.getState().select(contact.id)}
      data-testid="chat-item"
      data-contact={contact.name}
    >
      <Avatar id={contact.id} name={contact.name} src={contact.avatar} />
      <span className="chat-item-body">
        <span className="chat-item-top">
          <span className="chat-item-name">
            <UserText text={contact.name} name />
          </span>
          {c.pinned && (
            <span className="chat-flag" data-testid="chat-pinned">
              pinned
            </span>
          )}
          {c.mutedUntil > Date.now() && (
            <span className="chat-flag" data-testid="chat-muted">
              muted
            </span>
          )}
          {c.lastMessage && <time className="chat-item-time">{listTime(c.lastMessage.sentAt)}</time>}
        </span>
        <span className="chat-item-bottom">
          <span className="chat-item-preview" data-testid="chat-preview">
            <UserText text={preview(c, contact)} />
          </span>
          {c.unread > 0 ? (
            <span className="badge" data-testid="chat-unread">
              {c.unread}
            </span>
          ) : (
            c.markedUnread && (
              <span className="badge dot" data-testid="chat-marked-unread" aria-label="marked unread" />
            )
          )}
        </span>
      </span>
    </button>
  );
}
