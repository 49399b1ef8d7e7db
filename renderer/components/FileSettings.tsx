/** Files on this computer: up to which size a file downloads as soon as it arrives. */
import { useEffect, useState } from 'react';
import { call } from '../bridge.js';
import { ErrorText } from './ErrorText.js';
import { useAction } from './useAction.js';

const MB = 1024 * 1024;

export function FileSettings() {
  const [mb, setMb] = useState<string>('');
  const load = useAction(async () => {
    const s = await call('fileSettings');
    setMb(String(Math.round(s.autoDownloadBytes / MB)));
  });
  const save = useAction(async () => {
    const s = await call('setFileSettings', { autoDownloadBytes: Math.max(0, Math.round(Number(mb) * MB)) });
    setMb(String(Math.round(s.autoDownloadBytes / MB)));
  });
  const { run: loadNow } = load;
  useEffect(() => void loadNow(), [loadNow]);
  return (
    <section className="panel" aria-labelledby="files-title" data-testid="file-settings">
      <h2 id="files-title">Files</h2>
      <label>
        Download files up to (MB) as soon as they arrive; larger ones when you ask
        <input
          type="number"
          min={0}
          value={mb}
          onChange={(e) => setMb(e.target.value)}
          data-testid="auto-download-mb"
        />
      </label>
      <button className="secondary" onClick={() => void save.run()} disabled={save.busy || mb === ''}>
        Save
      </button>
      <ErrorText error={load.error ?? save.error} testId="file-settings-error" />
    </section>
  );
}
