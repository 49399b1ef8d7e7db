/**
 * Writing: Enter sends, Shift+Enter starts a new line; a reply shows its quote above the box,
 * an edit puts the message's text in it (Escape cancels either). Files join by the attach
 * button, by dropping them anywhere on the window, or by pasting a picture; the text is then
 * their caption. Says why when a contact cannot be written to yet.
 */
import { withDirectionMarks } from '../../shared/text.js';
import { useEffect, useRef, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import type { ContactView } from '../../shared/views.js';
import { useMessageActions } from '../stores/actionStore.js';
import { useChats } from '../stores/chatStore.js';
import { useContacts } from '../stores/contactStore.js';
import { useDrafts } from '../stores/draftStore.js';
import { useFiles } from '../stores/fileStore.js';
import { typed } from '../stores/typingStore.js';
import { EmojiPicker } from './EmojiPicker.js';
import { ErrorText } from './ErrorText.js';
import { Icon } from './Icon.js';
import { PendingFiles } from './MessageFiles.js';
import { useAction } from './useAction.js';
import { UserText } from './UserText.js';

/** A draft is saved (and sent to my other devices) once typing pauses this long. */
const DRAFT_PAUSE_MS = 600;

export function Composer({ contact }: { contact: ContactView }) {
  // The draft, as my devices last saved it (this one or another).
  const draft = useChats((s) => s.conversations[contact.id]?.draft ?? '');
  const saved = useRef(draft);
  // What is typed here lives in a store: it outlives this component (another screen, a host
  // restart); until something is typed, the box shows the saved draft.
  const text = useDrafts((s) => s.drafts[contact.id] ?? draft);
  const setText = (next: string | ((now: string) => string)) => {
    const drafts = useDrafts.getState();
    drafts.set(
      contact.id,
      typeof next === 'function' ? next(drafts.drafts[contact.id] ?? saved.current) : next,
    );
  };
  const box = useRef<HTMLTextAreaElement>(null);
  const replyTo = useMessageActions((s) => s.replyTo[contact.id]);
  const editing = useMessageActions((s) => s.editing[contact.id]);
  // An edit starts from the message's text.
  useEffect(() => {
    if (editing) {
      useDrafts.getState().set(contact.id, editing.text);
      box.current?.focus();
    }
  }, [editing, contact.id]);
  useEffect(() => {
    if (replyTo) box.current?.focus();
  }, [replyTo]);
  // A draft written on another device shows here, unless this box is being written in.
  useEffect(() => {
    if (draft === saved.current) return;
    saved.current = draft;
    if (document.activeElement !== box.current || !text) setText(draft);
    // (text is read, not followed: only a new draft replaces it)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [draft]);
  // What is typed is kept as the draft once typing pauses (not the text of a message being edited).
  useEffect(() => {
    if (editing || text === saved.current) return;
    const t = setTimeout(() => {
      saved.current = text;
      void useChats
        .getState()
        .update(contact.id, { draft: text })
        .catch(() => undefined);
    }, DRAFT_PAUSE_MS);
    return () => clearTimeout(t);
  }, [text, editing, contact.id]);
  // The box clears at once (the message shows as it is stored); a refused text comes back.
  const send = useAction(async (value: string) => {
    const actions = useMessageActions.getState();
    try {
      if (editing) {
        await actions.saveEdit(contact.id, value);
        setText(saved.current); // back to the draft the edit interrupted
      } else {
        saved.current = ''; // sending clears the draft (the service does it on all my devices)
        await useChats.getState().send(contact.id, value, replyTo?.id);
        actions.cancel(contact.id);
      }
    } catch (e) {
      setText((now) => now || value);
      throw e;
    }
  });
  const [picking, setPicking] = useState(false);
  const unblock = useAction(() => useContacts.getState().update(contact.id, { blocked: false }));
  const pending = useFiles((s) => s.pending[contact.id]?.length ?? 0);
  const picker = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const sendFiles = useAction(async (caption: string) => {
    try {
      await useFiles.getState().send(contact.id, caption);
    } catch (e) {
      setText((now) => now || caption);
      throw e;
    }
  });
  const addFiles = (list: FileList | File[] | null | undefined) => {
    const files = Array.from(list ?? []);
    if (files.length) useFiles.getState().add(contact.id, files);
  };
  // Files dropped anywhere on the window go to the open conversation.
  useEffect(() => {
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (!e.relatedTarget) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setDragging(false);
      const files = Array.from(e.dataTransfer?.files ?? []);
      if (files.length) useFiles.getState().add(contact.id, files);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, [contact.id]);

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
    if (pending) {
      setText('');
      void sendFiles.run(text);
      return;
    }
    if (!text.trim()) return;
    setText('');
    box.current?.focus();
    void send.run(text);
  };
  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = Array.from(e.clipboardData.files);
    if (!files.length) return;
    e.preventDefault();
    addFiles(files);
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Escape' && (replyTo || editing)) {
      e.preventDefault();
      if (editing) setText(saved.current);
      useMessageActions.getState().cancel(contact.id);
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };
  const lines = Math.min(8, text.split('\n').length);

  return (
    <div className="composer">
      {dragging && (
        <div className="drop-overlay">
          Drop to send to <UserText text={contact.name} name />
        </div>
      )}
      <ErrorText error={send.error ?? sendFiles.error} testId="composer-error" />
      <PendingFiles contactId={contact.id} />
      {(replyTo || editing) && (
        <div className="composer-context" data-testid={editing ? 'composer-editing' : 'composer-reply'}>
          <span className="composer-context-label">{editing ? 'Editing' : 'Replying to'}</span>
          <span className="composer-context-text">{(editing ?? replyTo)!.text.split('\n')[0]}</span>
          <button
            className="link-button"
            onClick={() => {
              if (editing) setText(saved.current);
              useMessageActions.getState().cancel(contact.id);
            }}
            aria-label="Cancel"
            data-testid="composer-cancel"
          >
            Cancel
          </button>
        </div>
      )}
      <div className="composer-row">
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          onChange={(e) => {
            addFiles(e.target.files);
            e.target.value = '';
          }}
          data-testid="composer-file-input"
        />
        <button
          className="attach secondary"
          onClick={() => picker.current?.click()}
          aria-label="Attach files"
          title="Attach files"
          data-testid="composer-attach"
        >
          <Icon name="attach" />
        </button>
        <textarea
          ref={box}
          autoFocus
          rows={lines}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            typed(contact.id, e.target.value);
          }}
          onKeyDown={onKey}
          onPaste={onPaste}
          placeholder={`Message ${withDirectionMarks(contact.name)}`}
          aria-label={`Message ${withDirectionMarks(contact.name)}`}
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
          disabled={!text.trim() && !pending}
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
