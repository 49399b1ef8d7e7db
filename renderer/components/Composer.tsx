/** Writing: Enter sends, Shift+Enter starts a new line. Says why when a contact cannot be written to yet. */
import { useRef, useState, type KeyboardEvent } from 'react';
import type { ContactView } from '../../shared/views.js';
import { useChats } from '../stores/chatStore.js';
import { useContacts } from '../stores/contactStore.js';
import { useDrafts } from '../stores/draftStore.js';
import { EmojiPicker } from './EmojiPicker.js';
import { ErrorText } from './ErrorText.js';
import { Icon } from './Icon.js';
import { useAction } from './useAction.js';
import { UserText } from './UserText.js';

export function Composer({ contact }: { contact: ContactView }) {
  // Kept in a store: the text outlives this component (another screen, a host restart).
  const text = useDrafts((s) => s.drafts[contact.id] ?? '');
  const setText = (next: string | ((now: string) => string)) => {
    const drafts = useDrafts.getState();
    drafts.set(contact.id, typeof next === 'function' ? next(drafts.drafts[contact.id] ?? '') : next);
  };
  const box = useRef<HTMLTextAreaElement>(null);
  // The box clears at once (the message shows as it is stored); a refused text comes back.
  const send = useAction(async (value: string) => {
    try {
      await useChats.getState().send(contact.id, value);
    } catch (e) {
      setText((now) => now || value);
      throw e;
    }
  });
  const [picking, setPicking] = useState(false);
  const unblock = useAction(() => useContacts.getState().update(contact.id, { blocked: false }));

  if (contact.blocked) {
    return (
      <div className="composer-note" data-testid="composer-blocked">
        <span>
          You blocked <UserText text={contact.name} name />.
        </span>
        <button className="secondary" onClick={() => void unblock.run()}>
          Unblock
        </button>
      </div>
    );
  }
  // 'answered' (I accepted their invitation): my first messages go out with the answer.
  if (contact.state === 'invited') {
    return (
      <div className="composer-note" data-testid="composer-waiting">
        <span>
          <UserText text={contact.name} name /> has not accepted your invitation yet. You can write once they
          do.
        </span>
      </div>
    );
  }

  const submit = () => {
    if (!text.trim()) return;
    setText('');
    box.current?.focus();
    void send.run(text);
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };
  const lines = Math.min(8, text.split('\n').length);

  return (
    <div className="composer">
      <ErrorText error={send.error} testId="composer-error" />
      <div className="composer-row">
        <textarea
          ref={box}
          autoFocus
          rows={lines}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKey}
          placeholder={`Message ${contact.name}`}
          aria-label={`Message ${contact.name}`}
          data-testid="composer-input"
        />
        {picking && (
          <EmojiPicker
            onPick={(emoji) => {
              // At the caret, where the person was writing.
              const el = box.current;
              const at = el?.selectionStart ?? text.length;
              setText(text.slice(0, at) + emoji + text.slice(el?.selectionEnd ?? at));
              setPicking(false);
              el?.focus();
            }}
            onClose={() => {
              setPicking(false);
              box.current?.focus();
            }}
          />
        )}
        <button
          type="button"
          className="emoji-toggle"
          onClick={() => setPicking((p) => !p)}
          aria-label="Emoji"
          aria-expanded={picking}
          title="Emoji"
          data-testid="emoji-toggle"
        >
          🙂
        </button>
        <button
          className="send"
          onClick={submit}
          disabled={!text.trim()}
          aria-label="Send"
          title="Send (Enter)"
          data-testid="composer-send"
        >
          <Icon name="send" />
        </button>
      </div>
      <small className="muted composer-hint">Enter to send · Shift+Enter for a new line</small>
    </div>
  );
}
