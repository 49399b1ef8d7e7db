/** Conversations, most recent first, with unread counts and the last message. Arrow keys move. */
import { useMemo, useState, type KeyboardEvent } from 'react';
import { useApp } from '../stores/appStore.js';
import { sortedConversations, useChats } from '../stores/chatStore.js';
import { useContacts } from '../stores/contactStore.js';
import { ChatItemMenu } from './ChatItemMenu.js';
import { ChatListItem } from './ChatListItem.js';
import { SearchResults } from './SearchResults.js';
import { GroupList } from './GroupList.js';

export function ChatList() {
  const conversations = useChats((s) => s.conversations);
  const open = useChats((s) => s.open);
  const loaded = useChats((s) => s.loaded);
  const contacts = useContacts((s) => s.contacts);
  const showArchived = useChats((s) => s.showArchived);
  const [query, setQuery] = useState('');
  const all = useMemo(() => sortedConversations(conversations, contacts), [conversations, contacts]);
  const list = all.filter((c) => c.archived === showArchived);
  const archived = all.filter((c) => c.archived).length;

  const onKey = (e: KeyboardEvent<HTMLUListElement>) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const items = [...e.currentTarget.querySelectorAll<HTMLButtonElement>('button.chat-item')];
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    const next = items[Math.max(0, Math.min(items.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1)))];
    next?.focus();
  };

  return (
    <aside className="list-pane" aria-label="Conversations">
      <header className="pane-head">
        <h1>{showArchived ? 'Archived' : 'Chats'}</h1>
        {(archived > 0 || showArchived) && (
          <button
            className="link-button"
            onClick={() => useChats.getState().toggleArchived()}
            data-testid="chats-archived"
          >
            {showArchived ? 'Back to chats' : `Archived (${archived})`}
          </button>
        )}
      </header>
      <div className="chat-search">
        <input
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => e.key === 'Escape' && setQuery('')}
          placeholder="Search all conversations"
          aria-label="Search all conversations"
          maxLength={256}
          data-testid="chat-search"
        />
      </div>
      {query.trim() ? (
        <SearchResults query={query} onOpen={() => setQuery('')} />
      ) : loaded && list.length === 0 && !showArchived && archived === 0 ? (
        <div className="list-empty">
          <p>No conversations yet.</p>
          <button
            className="primary"
            onClick={() => {
              useContacts.getState().show('invite');
              useApp.getState().go('contacts');
            }}
            data-testid="start-invite"
          >
            Invite someone
          </button>
        </div>
      ) : (
        <ul className="chat-list" onKeyDown={onKey} data-testid="chat-list">
          {list.map((c) => {
            const contact = contacts[c.contactId];
            return (
              contact && (
                <li key={c.contactId} className="chat-row">
                  <ChatListItem conversation={c} contact={contact} active={c.contactId === open} />
                  <ChatItemMenu conversation={c} name={contact.name} />
                </li>
              )
            );
          })}
        </ul>
      )}
      <GroupList />
    </aside>
  );
}
