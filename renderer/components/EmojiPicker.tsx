/** A small searchable emoji picker for the composer: type to filter, click (or Enter) to insert. */
import { useState } from 'react';
import { searchEmoji } from '../lib/emoji.js';

export function EmojiPicker({ onPick, onClose }: { onPick: (emoji: string) => void; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const found = searchEmoji(query);
  return (
    <div className="emoji-picker" role="dialog" aria-label="Emoji" data-testid="emoji-picker">
      <input
        autoFocus
        type="search"
        placeholder="Search emoji"
        aria-label="Search emoji"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose();
          if (e.key === 'Enter' && found[0]) {
            e.preventDefault();
            onPick(found[0][0]);
          }
        }}
        data-testid="emoji-search"
      />
      <div className="emoji-grid">
        {found.map(([emoji, words]) => (
          <button
            key={emoji}
            type="button"
            className="emoji"
            title={words.split(' ')[0]}
            aria-label={words.split(' ')[0]}
            onClick={() => onPick(emoji)}
            data-testid="emoji-option"
          >
            {emoji}
          </button>
        ))}
        {found.length === 0 && <p className="muted">No emoji by that name.</p>}
      </div>
    </div>
  );
}
