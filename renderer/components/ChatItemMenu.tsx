/**
 * A conversation's menu in the list: pin, archive, mark unread, mute for a while — each the
 * same on all my devices (the service syncs them).
 */
import { withDirectionMarks } from '../../shared/text.js';
import { useState } from 'react';
import type { ConversationChange } from '../../shared/views.js';
import { useChats, type ChatSummary } from '../stores/chatStore.js';
import { DeleteConversation } from './DeleteConversation.js';
import { ErrorText } from './ErrorText.js';
import { useAction } from './useAction.js';

const MUTES: [string, number][] = [
  ['1 hour', 3_600_000],
  ['8 hours', 8 * 3_600_000],
  ['1 week', 7 * 86_400_000],
  ['Always', Number.MAX_SAFE_INTEGER],
];

export function ChatItemMenu({ conversation: c, name }: { conversation: ChatSummary; name: string }) {
  const [open, setOpen] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const act = useAction(async (change: ConversationChange) => {
    const chats = useChats.getState();
    // Marked unread: it leaves the screen (else being shown would read it at once).
    if (change.unread && chats.open === c.contactId) chats.select(null);
    await chats.update(c.contactId, change);
    setOpen(false);
  });
  const muted = c.mutedUntil > Date.now();
  const item = (label: string, change: ConversationChange, testId: string) => (
    <button role="menuitem" onClick={() => void act.run(change)} data-testid={testId}>
      {label}
    </button>
  );
  return (
    <div className="chat-menu">
      <button
        className="chat-menu-button"
        aria-label={`More for ${withDirectionMarks(name)}`}
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        data-testid="chat-menu"
      >
        ⋯
      </button>
      {open && (
        <div
          className="chat-menu-list"
          role="menu"
          aria-label={`Conversation with ${withDirectionMarks(name)}`}
        >
          {item(c.pinned ? 'Unpin' : 'Pin', { pinned: !c.pinned }, 'chat-pin')}
          {item(c.archived ? 'Unarchive' : 'Archive', { archived: !c.archived }, 'chat-archive')}
          {!c.markedUnread && c.unread === 0 && item('Mark unread', { unread: true }, 'chat-mark-unread')}
          {muted
            ? item('Unmute', { mutedUntil: 0 }, 'chat-unmute')
            : MUTES.map(([label, ms]) => (
                <button
                  key={label}
                  role="menuitem"
                  onClick={() =>
                    void act.run({ mutedUntil: ms === Number.MAX_SAFE_INTEGER ? ms : Date.now() + ms })
                  }
                  data-testid="chat-mute"
                  data-for={label}
                >
                  Mute {label === 'Always' ? 'always' : `for ${label}`}
                </button>
              ))}
          <button
            role="menuitem"
            className="danger-text"
            onClick={() => {
              setOpen(false);
              setDeleting(true);
            }}
            data-testid="chat-delete"
          >
            Delete conversation…
          </button>
          <ErrorText error={act.error} testId="chat-menu-error" />
        </div>
      )}
      {deleting && (
        <DeleteConversation contactId={c.contactId} name={name} onDone={() => setDeleting(false)} />
      )}
    </div>
  );
}
