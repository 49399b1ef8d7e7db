/** Onboarding: a new identity (name, password, where to receive). */
import { useState, type FormEvent } from 'react';
import { LIMITS } from '../../shared/schemas.js';
import { call } from '../bridge.js';
import { useApp } from '../stores/appStore.js';
import { ErrorText } from './ErrorText.js';
import { PasswordFields } from './PasswordFields.js';
import { ServerChoice } from './ServerChoice.js';
import { DEFAULT_SERVER, resolveServer } from './resolveServer.js';
import { checkRemembered } from './rememberMe.js';
import { useAction } from './useAction.js';

export function CreateIdentityForm({ onBack }: { onBack: () => void }) {
  const [nickname, setNickname] = useState('');
  const [deviceName, setDeviceName] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [remember, setRemember] = useState(false);
  const keychain = useApp((s) => s.state?.keychain ?? false);
  const [server, setServer] = useState(DEFAULT_SERVER);
  const { run, busy, error } = useAction(async () => {
    const serverUrl = await resolveServer(server);
    const device = deviceName.trim();
    await call('createIdentity', {
      nickname: nickname.trim(),
      password,
      serverUrl,
      ...(device ? { deviceName: device } : {}),
    });
    if (remember) {
      await call('unlock', { password, remember: true });
      await checkRemembered();
    } else useApp.getState().setState(await call('appState'));
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (password !== repeat) return;
    void run();
  };

  return (
    <form className="form" onSubmit={submit} aria-label="Create my identity" data-testid="create-form">
      <h2>Create my identity</h2>
      <label>
        Your name
        <input
          autoFocus
          maxLength={LIMITS.nameChars}
          value={nickname}
          onChange={(e) => setNickname(e.target.value)}
          placeholder="How your contacts will see you"
          data-testid="nickname"
          required
        />
      </label>
      <label>
        <span>
          Name of this computer <span className="muted">(optional)</span>
        </span>
        <input
          maxLength={LIMITS.nameChars}
          value={deviceName}
          onChange={(e) => setDeviceName(e.target.value)}
          placeholder="e.g. Desktop — only your own devices see it"
          data-testid="device-name"
        />
      </label>
      <PasswordFields password={password} repeat={repeat} onPassword={setPassword} onRepeat={setRepeat} />
      <ServerChoice value={server} onChange={setServer} />
      {keychain && (
        <label className="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
          Remember me on this computer (the key stays in the system keychain)
        </label>
      )}
      <ErrorText error={error} />
      <div className="actions">
        <button type="button" className="secondary" onClick={onBack} disabled={busy}>
          Back
        </button>
        <button
          type="submit"
          className="primary"
          disabled={busy || password !== repeat}
          data-testid="create-submit"
        >
          {busy ? 'Creating…' : 'Create'}
        </button>
      </div>
    </form>
  );
}
