/**
 * What can be done to one message, shown when it is hovered or focused: reply, react (one
 * emoji; the same again takes it back), edit (mine), delete (for me; for everyone: mine,
 * within a day).
 */
import { useState } from 'react';
import type { MessageView } from '../../shared/views.js';
import { DELETE_FOR_EVERYONE_MS, QUICK_REACTIONS, useMessageActions } from '../stores/actionStore.js';
import { ErrorText } from './ErrorText.js';
import { useAction } from './useAction.js';

export function MessageActions({ message: m }: { message: MessageView }) {
  const [open, setOpen] = useState<'react' | 'delete' | null>(null);
  const acts = useMessageActions.getState();
  const act = useAction(async (fn: () => Promise<void>) => {
    await fn();
    setOpen(null);
  });
  const canEdit = m.outbound && !m.deleted;
  const canDeleteForEveryone = m.outbound && !m.deleted && Date.now() - m.sentAt < DELETE_FOR_EVERYONE_MS;
  return (
    <div className="message-actions" data-testid="message-actions">
      <div className="message-actions-bar" role="toolbar" aria-label="Message actions">
        {!m.deleted && (
          <button className="icon-button" onClick={() => acts.startReply(m)} data-testid="action-reply">
            Reply
          </button>
        )}
        {!m.deleted && (
          <button
            className="icon-button"
            aria-expanded={open === 'react'}
            onClick={() => setOpen(open === 'react' ? null : 'react')}
            data-testid="action-react"
          >
            React
          </button>
        )}
        {canEdit && (
          <button className="icon-button" onClick={() => acts.startEdit(m)} data-testid="action-edit">
            Edit
          </button>
        )}
        <button
          className="icon-button"
          aria-expanded={open === 'delete'}
          onClick={() => setOpen(open === 'delete' ? null : 'delete')}
          data-testid="action-delete"
        >
          Delete
        </button>
      </div>
      {open === 'react' && (
        <div className="message-actions-menu" role="menu" aria-label="React">
          {QUICK_REACTIONS.map((e) => (
            <button
              key={e}
              role="menuitem"
              className="emoji"
              aria-label={`React ${e}`}
              onClick={() => void act.run(() => acts.react(m, e))}
              data-testid="react-option"
              data-emoji={e}
            >
              {e}
            </button>
          ))}
        </div>
      )}
      {open === 'delete' && (
        <div className="message-actions-menu" role="menu" aria-label="Delete">
          <button
            role="menuitem"
            onClick={() => void act.run(() => acts.remove(m, false))}
            data-testid="delete-for-me"
          >
            Delete for me
          </button>
          {canDeleteForEveryone && (
            <button
              role="menuitem"
              className="danger"
              onClick={() => void act.run(() => acts.remove(m, true))}
              data-testid="delete-for-everyone"
            >
              Delete for everyone
            </button>
          )}
        </div>
      )}
      <ErrorText error={act.error} testId="message-action-error" />
    </div>
  );
}
