/** A profile locked behind its password. */
import { useState, type FormEvent } from 'react';
import { call } from '../bridge.js';
import { useApp } from '../stores/appStore.js';
import { ErrorText } from './ErrorText.js';
import { Logo } from './Logo.js';
import { checkRemembered } from './rememberMe.js';
import { useAction } from './useAction.js';
import './Onboarding.css';

export function UnlockScreen() {
  const remembered = useApp((s) => s.state?.remembered ?? false);
  const keychain = useApp((s) => s.state?.keychain ?? false);
  const [password, setPassword] = useState('');
  const [remember, setRemember] = useState(remembered);
  const { run, busy, error } = useAction(async () => {
    await call('unlock', { password, remember });
    if (remember) await checkRemembered();
    else useApp.getState().setState(await call('appState'));
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run();
  };
  return (
    <div className="onboarding">
      <form
        className="onboarding-card form"
        onSubmit={submit}
        aria-label="Unlock Meow"
        data-testid="unlock-form"
      >
        <header className="onboarding-head">
          <Logo size={56} />
          <h1>Unlock Meow</h1>
        </header>
        <label>
          Password
          <input
            type="password"
            autoFocus
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="unlock-password"
            required
          />
        </label>
        {keychain && (
          <label className="check">
            <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
            Remember me on this computer
          </label>
        )}
        <ErrorText error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy} data-testid="unlock-submit">
            {busy ? 'Unlocking…' : 'Unlock'}
          </button>
        </div>
      </form>
    </div>
  );
}
