/** Chats: the list of conversations beside the open one. */
import { useApp } from '../stores/appStore.js';
import { useChats } from '../stores/chatStore.js';
import { useContacts } from '../stores/contactStore.js';
import { ChatList } from './ChatList.js';
import { Conversation } from './Conversation.js';
import { useGroups } from '../stores/groupStore.js';
import { GroupConversation } from './GroupConversation.js';

export function ChatsScreen() {
  const open = useChats((s) => s.open);
  const conversation = useChats((s) => (s.open ? s.conversations[s.open] : undefined));
  const contact = useContacts((s) => (open ? s.contacts[open] : undefined));
  const group = useGroups((s) => (s.open ? s.groups[s.open] : undefined));
  return (
    <div className="split">
      <ChatList />
      {group ? (
        <GroupConversation key={group.id} group={group} />
      ) : open && conversation && contact ? (
        <Conversation key={open} contact={contact} unread={conversation.unread} />
      ) : (
        <div className="empty-pane" data-testid="no-chat">
          <p>Choose a conversation, or invite someone to start one.</p>
          <button className="secondary" onClick={() => useApp.getState().go('contacts')}>
            Go to contacts
          </button>
        </div>
      )}
    </div>
  );
}
