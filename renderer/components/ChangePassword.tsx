/** A new password for this computer; each of my devices keeps its own. */
import { useState, type FormEvent } from 'react';
import { LIMITS } from '../../shared/schemas.js';
import { call } from '../bridge.js';
import { useApp } from '../stores/appStore.js';
import { ErrorText } from './ErrorText.js';
import { PasswordFields } from './PasswordFields.js';
import { useAction } from './useAction.js';

export function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [changed, setChanged] = useState(false);
  const change = useAction(async () => {
    useApp.getState().setState(await call('changePassword', { oldPassword: current, newPassword: password }));
    setCurrent('');
    setPassword('');
    setRepeat('');
    setChanged(true);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setChanged(false);
    void change.run();
  };
  const ready = current.length > 0 && password.length >= LIMITS.minPasswordChars && repeat === password;
  return (
    <form
      className="panel form"
      onSubmit={submit}
      aria-labelledby="password-title"
      data-testid="change-password"
    >
      <h2 id="password-title">Password</h2>
      <p className="muted">
        Changes the password of this computer only: each of your devices keeps its own password. Your messages
        stay as they are.
      </p>
      <label>
        Current password
        <input
          type="password"
          autoComplete="current-password"
          maxLength={LIMITS.passwordChars}
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          data-testid="current-password"
          required
        />
      </label>
      <PasswordFields
        label="New password"
        password={password}
        repeat={repeat}
        onPassword={setPassword}
        onRepeat={setRepeat}
      />
      <ErrorText error={change.error} />
      <div className="actions">
        {changed && (
          <span className="muted" role="status" data-testid="password-changed">
            Password changed on this computer.
          </span>
        )}
        <button
          type="submit"
          className="primary"
          disabled={!ready || change.busy}
          data-testid="change-password-submit"
        >
          Change password
        </button>
      </div>
    </form>
  );
}
