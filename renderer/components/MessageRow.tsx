/** One message: its text (always as text; https links open outside after a check), time and status. */
import { memo } from 'react';
import type { MessageView } from '../../shared/views.js';
import { clock } from '../lib/format.js';
import { linkify } from '../lib/linkify.js';
import { useMessageActions } from '../stores/actionStore.js';
import { useContacts } from '../stores/contactStore.js';
import { MessageActions } from './MessageActions.js';
import { Quote, Reactions } from './MessageExtras.js';
import { MessageFiles } from './MessageFiles.js';
import { MessageStatus } from './MessageStatus.js';
import { UserText } from './UserText.js';

/**
 * Memoised: the store replaces only the message that changed, so an event re-renders (and
 * re-linkifies) one row, not every visible one.
 */
export const MessageRow = memo(function MessageRow({ message: m }: { message: MessageView }) {
  const highlighted = useMessageActions((s) => s.highlight === m.id);
  // Who wrote it, for screen readers (the bubbles' sides say it to the eye).
  const author = useContacts((s) => (m.outbound ? 'You' : (s.contacts[m.contactId]?.name ?? 'They')));
  return (
    <div
      className={`${m.outbound ? 'message out' : 'message in'}${highlighted ? ' highlight' : ''}`}
      data-testid="message"
      data-id={m.id}
      data-status={m.status}
      data-deleted={m.deleted}
    >
      <MessageActions message={m} />
      <div className="bubble">
        <span className="sr-only" data-testid="message-author">
          {author}:{' '}
        </span>
        <Quote message={m} />
        {!m.deleted && m.attachments.length > 0 && <MessageFiles message={m} />}
        {m.deleted ? (
          <p className="text deleted" data-testid="message-text">
            message deleted
          </p>
        ) : (
          <p className="text" dir="auto" data-testid="message-text">
            {linkify(m.text).map((p, i) =>
              p.href ? (
                <a key={i} href={p.href} target="_blank" rel="noopener noreferrer">
                  <UserText text={p.text} />
                </a>
              ) : (
                <span key={i}>
                  <UserText text={p.text} />
                </span>
              ),
            )}
          </p>
        )}
        <span className="meta">
          {m.editedAt > 0 && (
            <span
              className="edited"
              title={m.history.map((h) => h.text).join('\n→\n')}
              data-testid="message-edited"
            >
              edited
            </span>
          )}
          <time dateTime={new Date(m.sentAt).toISOString()}>{clock(m.sentAt)}</time>
          {m.outbound && <MessageStatus message={m} />}
        </span>
        <Reactions message={m} />
      </div>
    </div>
  );
});
