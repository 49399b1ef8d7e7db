/** Remember me (the key in the OS keychain) and locking Meow now. */
import { useState, type FormEvent } from 'react';
import { call } from '../bridge.js';
import { useApp } from '../stores/appStore.js';
import { ErrorText } from './ErrorText.js';
import { Icon } from './Icon.js';
import { checkRemembered } from './rememberMe.js';
import { useAction } from './useAction.js';

export function SecuritySettings() {
  const remembered = useApp((s) => s.state?.remembered ?? false);
  const keychain = useApp((s) => s.state?.keychain ?? false);
  const [password, setPassword] = useState('');
  const remember = useAction(async (on: boolean) => {
    await call('unlock', { password, remember: on });
    setPassword('');
    if (on) await checkRemembered();
    else useApp.getState().setState(await call('appState'));
  });
  const lock = useAction(async () => useApp.getState().setState(await call('lock')));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void remember.run(!remembered);
  };
  return (
    <section className="panel" aria-labelledby="security-title" data-testid="security-settings">
      <h2 id="security-title">Security</h2>
      {!keychain && (
        <p data-testid="no-keychain">
          This system offers no keychain Meow can use, so Meow asks for your password each time it starts.
        </p>
      )}
      {keychain && (
        <form className="form" onSubmit={submit}>
          <p>
            {remembered
              ? 'This computer remembers you: Meow opens without your password (the key is in the system keychain).'
              : 'Meow asks for your password each time it starts.'}
          </p>
          <label>
            Password
            <input
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
            />
          </label>
          <div className="actions start">
            <button
              type="submit"
              className="secondary"
              disabled={!password || remember.busy}
              data-testid="remember"
            >
              {remembered ? 'Forget me on this computer' : 'Remember me on this computer'}
            </button>
          </div>
          <ErrorText error={remember.error} />
        </form>
      )}
      <div className="actions start">
        <button className="secondary" onClick={() => void lock.run()} disabled={lock.busy} data-testid="lock">
          <Icon name="lock" size={18} /> Lock now
        </button>
      </div>
      <ErrorText error={lock.error} />
    </section>
  );
}
