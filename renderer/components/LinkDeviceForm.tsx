/**
 * Onboarding on the new machine: "link to my other computer". A password for this
 * computer and where it receives, then straight to the pairing QR.
 */
import { useState, type FormEvent } from 'react';
import { LIMITS } from '../../shared/schemas.js';
import { call } from '../bridge.js';
import { useApp } from '../stores/appStore.js';
import { usePairing } from '../stores/pairingStore.js';
import { ErrorText } from './ErrorText.js';
import { PasswordFields } from './PasswordFields.js';
import { ServerChoice } from './ServerChoice.js';
import { DEFAULT_SERVER, resolveServer } from './resolveServer.js';
import { useAction } from './useAction.js';

export function LinkDeviceForm({ onBack }: { onBack: () => void }) {
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [deviceName, setDeviceName] = useState('');
  const [server, setServer] = useState(DEFAULT_SERVER);
  const { run, busy, error } = useAction(async () => {
    const serverUrl = await resolveServer(server);
    const name = deviceName.trim();
    await usePairing.getState().pairNew({ password, serverUrl, ...(name ? { deviceName: name } : {}) });
    useApp.getState().setState(await call('appState'));
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (password === repeat) void run();
  };

  return (
    <form className="form" onSubmit={submit} aria-label="Link to my other computer" data-testid="link-form">
      <h2>Link to my other computer</h2>
      <p className="muted">
        This computer will show a QR code. Scan it with Meow on the computer that already has your chats
        (Devices → Link another computer).
      </p>
      <label>
        Name of this computer
        <input
          autoFocus
          maxLength={LIMITS.nameChars}
          value={deviceName}
          onChange={(e) => setDeviceName(e.target.value)}
          placeholder="e.g. Laptop"
          data-testid="device-name"
        />
      </label>
      <PasswordFields password={password} repeat={repeat} onPassword={setPassword} onRepeat={setRepeat} />
      <ServerChoice value={server} onChange={setServer} />
      <ErrorText error={error} />
      <div className="actions">
        <button type="button" className="secondary" onClick={onBack} disabled={busy}>
          Back
        </button>
        <button
          type="submit"
          className="primary"
          disabled={busy || password !== repeat}
          data-testid="link-submit"
        >
          {busy ? 'Preparing…' : 'Show the pairing code'}
        </button>
      </div>
    </form>
  );
}
