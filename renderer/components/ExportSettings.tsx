/**
 * Export: one conversation or all of them into a new folder (messages.json, a readable
 * index.html, the files) — where it went, or why not (nothing is left half-written).
 */
import { useState } from 'react';
import type { ExportResultView } from '../../shared/views.js';
import { call } from '../bridge.js';
import { useChats } from '../stores/chatStore.js';
import { useContacts } from '../stores/contactStore.js';
import { ErrorText } from './ErrorText.js';
import { useAction } from './useAction.js';
import { UserText } from './UserText.js';

export function ExportSettings() {
  const contacts = useContacts((s) => s.contacts);
  const chats = useChats((s) => s.conversations);
  const [folder, setFolder] = useState('');
  const [contactId, setContactId] = useState('');
  const [done, setDone] = useState<ExportResultView | null>(null);
  const run = useAction(async () => {
    setDone(null);
    setDone(
      await call('exportData', {
        ...(folder.trim() ? { folder: folder.trim() } : {}),
        ...(contactId ? { contactId } : {}),
      }),
    );
  });
  return (
    <section className="panel" aria-labelledby="export-title" data-testid="export-settings">
      <h2 id="export-title">Export</h2>
      <label>
        Conversations
        <select value={contactId} onChange={(e) => setContactId(e.target.value)} data-testid="export-contact">
          <option value="">All conversations</option>
          {Object.keys(chats)
            .filter((id) => contacts[id])
            .map((id) => (
              <option key={id} value={id}>
                {contacts[id]!.name}
              </option>
            ))}
        </select>
      </label>
      <label>
        Into the folder (empty: Downloads)
        <input
          value={folder}
          onChange={(e) => setFolder(e.target.value)}
          placeholder="Downloads"
          spellCheck={false}
          data-testid="export-folder"
        />
      </label>
      <button
        className="secondary"
        onClick={() => void run.run()}
        disabled={run.busy}
        data-testid="export-run"
      >
        {run.busy ? 'Exporting…' : 'Export'}
      </button>
      {done && (
        <p className="muted small" role="status" data-testid="export-done" data-folder={done.folder}>
          Exported {done.messages} messages and {done.files} files
          {done.missingFiles ? ` (${done.missingFiles} not on this computer)` : ''} to{' '}
          <UserText text={done.folder} />. Open index.html in it to read them.
        </p>
      )}
      <ErrorText error={run.error} testId="export-error" />
    </section>
  );
}
