/** Settings → storage: what each conversation's files take on this computer; clearing old ones. */
import { useEffect, useState } from 'react';
import type { FileUsageView } from '../../shared/views.js';
import { call } from '../bridge.js';
import { sizeText } from '../lib/files.js';
import { ErrorText } from './ErrorText.js';
import { useAction } from './useAction.js';

export function FileStorage() {
  const [usage, setUsage] = useState<FileUsageView[] | null>(null);
  const [days, setDays] = useState('30');
  const [cleared, setCleared] = useState<string>('');
  const load = useAction(async () => setUsage(await call('fileUsage')));
  const clear = useAction(async () => {
    const r = await call('clearMedia', { olderThanDays: Math.max(0, Math.floor(Number(days))) });
    setCleared(`Removed ${r.files} ${r.files === 1 ? 'file' : 'files'} (${sizeText(r.bytes)}).`);
    setUsage(await call('fileUsage'));
  });
  const { run: loadNow } = load;
  useEffect(() => void loadNow(), [loadNow]);
  return (
    <section className="panel" aria-labelledby="storage-title" data-testid="file-storage">
      <h2 id="storage-title">Storage</h2>
      {usage && !usage.length && <p className="muted">No files are kept on this computer.</p>}
      {!!usage?.length && (
        <ul className="storage-list">
          {usage.map((u) => (
            <li key={u.contactId} data-testid="storage-row" data-contact={u.name}>
              {u.name}: {u.files} {u.files === 1 ? 'file' : 'files'}, {sizeText(u.bytes)}
            </li>
          ))}
        </ul>
      )}
      <label>
        Remove from this computer the files of messages older than (days); the messages stay, and their files
        download again when you open them
        <input
          type="number"
          min={0}
          value={days}
          onChange={(e) => setDays(e.target.value)}
          data-testid="clear-media-days"
        />
      </label>
      <button
        className="secondary"
        onClick={() => void clear.run()}
        disabled={clear.busy || days === ''}
        data-testid="clear-media"
      >
        Clear old media
      </button>
      {cleared && (
        <p className="muted" role="status" data-testid="clear-media-done">
          {cleared}
        </p>
      )}
      <ErrorText error={load.error ?? clear.error} testId="file-storage-error" />
    </section>
  );
}
