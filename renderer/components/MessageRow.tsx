/** One message: its text (always as text; https links open outside after a check), time and status. */
import { memo } from 'react';
import type { MessageView } from '../../shared/views.js';
import { clock } from '../lib/format.js';
import { linkify } from '../lib/linkify.js';
import { MessageFiles } from './MessageFiles.js';
import { MessageStatus } from './MessageStatus.js';

/**
 * Memoised: the store replaces only the message that changed, so an event re-renders (and
 * re-linkifies) one row, not every visible one.
 */
export const MessageRow = memo(function MessageRow({ message: m }: { message: MessageView }) {
  return (
    <div
      className={m.outbound ? 'message out' : 'message in'}
      data-testid="message"
      data-id={m.id}
      data-status={m.status}
    >
      <div className="bubble">
        {m.attachments.length > 0 && <MessageFiles message={m} />}
        <p className="text" data-testid="message-text">
          {linkify(m.text).map((p, i) =>
            p.href ? (
              <a key={i} href={p.href} target="_blank" rel="noopener noreferrer">
                {p.text}
              </a>
            ) : (
              <span key={i}>{p.text}</span>
            ),
          )}
        </p>
        <span className="meta">
          <time dateTime={new Date(m.sentAt).toISOString()}>{clock(m.sentAt)}</time>
          {m.outbound && <MessageStatus message={m} />}
        </span>
      </div>
    </div>
  );
});
