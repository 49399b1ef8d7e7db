/** Parts of a message row beyond its text: the quote it replies to, its reactions. */
import type { MessageView } from '../../shared/views.js';
import { useMessageActions } from '../stores/actionStore.js';
import { useContacts } from '../stores/contactStore.js';

/** The quoted message's first line; a click brings it into view. */
export function Quote({ message: m }: { message: MessageView }) {
  const q = m.quote;
  const name = useContacts((s) => s.contacts[m.contactId]?.name ?? 'Them');
  if (!q) return null;
  const label = !q.present
    ? 'original not on this device'
    : q.deleted
      ? 'message deleted'
      : q.firstLine || '…';
  return (
    <button
      className={q.present && !q.deleted ? 'quote' : 'quote missing'}
      disabled={!q.present}
      onClick={() => useMessageActions.getState().jumpTo(m.contactId, q.id)}
      title={q.present ? 'Show the original message' : undefined}
      data-testid="message-quote"
      data-present={q.present}
    >
      <span className="quote-who">{q.present ? (q.outbound ? 'You' : name) : ''}</span>
      <span className="quote-text">{label}</span>
    </button>
  );
}

/** One chip per emoji, with its count; mine is marked and a click on it takes it back. */
export function Reactions({ message: m }: { message: MessageView }) {
  if (m.reactions.length === 0) return null;
  return (
    <div className="reactions" data-testid="reactions">
      {m.reactions.map((r) => {
        const mine = r.by.includes('me');
        const who = r.by.map((b) => (b === 'me' ? 'you' : 'them')).join(' and ');
        return (
          <button
            key={r.emoji}
            className={mine ? 'reaction mine' : 'reaction'}
            title={`${r.emoji} by ${who}`}
            aria-label={`${r.emoji} ${r.count}, by ${who}`}
            aria-pressed={mine}
            onClick={() =>
              void useMessageActions
                .getState()
                .react(m, r.emoji)
                .catch(() => undefined)
            }
            data-testid="reaction"
            data-emoji={r.emoji}
            data-count={r.count}
            data-mine={mine}
          >
            {r.emoji}
            {r.count > 1 && <span className="reaction-count">{r.count}</span>}
          </button>
        );
      })}
    </div>
  );
}
