/**
 * Search across conversations as the person types: each result shows who, when, and the text
 * around the match highlighted; a click opens the conversation at that message.
 */
import { UserText } from './UserText.js';
import { useEffect, useRef, useState } from 'react';
import type { SearchResultView } from '../../shared/views.js';
import { call, messageOf } from '../bridge.js';
import { listTime } from '../lib/format.js';
import { useMessageActions } from '../stores/actionStore.js';
import { useChats } from '../stores/chatStore.js';

/** The text around the match, the match itself marked. */
function Snippet({ r }: { r: SearchResultView }) {
  const text = r.message.text.replace(/\s+/g, ' ');
  if (!r.match) return <span>{text.slice(0, 120)}</span>;
  const [a, b] = r.match;
  const from = Math.max(0, a - 40);
  return (
    <span>
      {from > 0 && '…'}
      {text.slice(from, a)}
      <mark>{text.slice(a, b)}</mark>
      {text.slice(b, b + 80)}
    </span>
  );
}

export function SearchResults({ query, onOpen }: { query: string; onOpen: () => void }) {
  const [results, setResults] = useState<SearchResultView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const asked = useRef(0);
  useEffect(() => {
    const n = ++asked.current;
    call('search', query, { limit: 50 }).then(
      (r) => n === asked.current && (setResults(r), setError(null)),
      (e: unknown) => n === asked.current && setError(messageOf(e)),
    );
  }, [query]);

  const open = (r: SearchResultView) => {
    useChats.getState().select(r.message.contactId);
    useMessageActions.getState().jumpTo(r.message.contactId, r.message.id);
    onOpen();
  };

  if (error)
    return (
      <p className="error list-empty" role="alert" data-testid="search-error">
        {error}
      </p>
    );
  if (!results) return null;
  if (results.length === 0)
    return (
      <p className="list-empty muted" data-testid="search-empty">
        Nothing found.
      </p>
    );
  return (
    <ul className="chat-list search-results" data-testid="search-results" aria-label="Search results">
      {results.map((r) => (
        <li key={r.message.id}>
          <button className="chat-item search-result" onClick={() => open(r)} data-testid="search-result">
            <span className="chat-item-body">
              <span className="chat-item-top">
                <span className="chat-item-name">
                  <UserText text={r.contactName} name />
                </span>
                <time className="chat-item-time">{listTime(r.message.sentAt)}</time>
              </span>
              <span className="chat-item-preview">
                {r.message.outbound ? 'You: ' : ''}
                <Snippet r={r} />
              </span>
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
