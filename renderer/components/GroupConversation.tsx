/**
 * A group's conversation: its messages with who wrote each, a composer, and the group's
 * info (members, admins, the history of changes, remove, leave).
 */
import { withDirectionMarks } from '../../shared/text.js';
import { useState } from 'react';
import type { GroupMessageView, GroupView } from '../../shared/views.js';
import { messageOf } from '../bridge.js';
import { historyLine, useGroups } from '../stores/groupStore.js';
import { ErrorText } from './ErrorText.js';
import './Conversation.css';
import './Groups.css';

/** One array for "no messages yet" (a new one each render would make the store loop). */
const NONE: GroupMessageView[] = [];

export function GroupConversation({ group }: { group: GroupView }) {
  const messages = useGroups((s) => s.messages[group.id] ?? NONE);
  const [text, setText] = useState('');
  const [info, setInfo] = useState(false);
  const [error, setError] = useState('');
  const act = async (fn: () => Promise<void>) => {
    setError('');
    try {
      await fn();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const send = () =>
    act(async () => {
      if (!text.trim()) return;
      await useGroups.getState().send(group.id, text);
      setText('');
    });
  return (
    <section className="conversation" aria-label={`Group ${group.name}`} data-testid="group-conversation">
      <header className="conversation-head">
        <div className="conversation-who">
          <span className="conversation-name" data-testid="group-name">
            {group.name}
          </span>
          <span className="muted small">{group.members.map((m) => m.name).join(', ')}</span>
        </div>
        <button className="secondary" onClick={() => setInfo(!info)} data-testid="group-info-toggle">
          {info ? 'Messages' : 'Group info'}
        </button>
      </header>
      <ErrorText error={error} testId="group-error" />
      {info ? (
        <div className="group-info" data-testid="group-info">
          <h3>Members</h3>
          <ul>
            {group.members.map((m) => (
              <li key={m.key} data-testid="group-member">
                {m.name}
                {m.me ? ' (you)' : ''}
                {m.admin ? ' · admin' : ''}
                {group.admin && !m.me && (
                  <button
                    className="link-button"
                    onClick={() => void act(() => useGroups.getState().remove(group.id, m.key))}
                    data-testid="group-remove"
                  >
                    Remove
                  </button>
                )}
              </li>
            ))}
          </ul>
          <h3>History</h3>
          <ul data-testid="group-history">
            {group.history.map((h, i) => (
              <li key={i}>{historyLine(h)}</li>
            ))}
          </ul>
          {group.member && (
            <button
              className="secondary"
              onClick={() => void act(() => useGroups.getState().leave(group.id))}
              data-testid="group-leave"
            >
              Leave group
            </button>
          )}
        </div>
      ) : (
        <ol className="group-messages" data-testid="group-messages">
          {messages.map((m) => (
            <li key={m.id} className={m.outbound ? 'out' : 'in'} data-testid="group-message">
              <strong>{m.outbound ? 'You' : m.author}</strong>: {m.text}
              {m.outbound && (
                <span className="muted small">
                  {' '}
                  · {m.status === 'pending_forward' ? 'waiting' : m.status}
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
      {group.member ? (
        <form
          className="composer composer-row"
          onSubmit={(e) => {
            e.preventDefault();
            void send();
          }}
        >
          <textarea
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                void send();
              }
            }}
            placeholder={`Message ${withDirectionMarks(group.name)}`}
            aria-label={`Message ${withDirectionMarks(group.name)}`}
            data-testid="group-composer"
          />
          <button className="primary" type="submit" data-testid="group-send">
            Send
          </button>
        </form>
      ) : (
        <p className="muted" data-testid="group-not-member">
          You are no longer a member of this group.
        </p>
      )}
    </section>
  );
}
