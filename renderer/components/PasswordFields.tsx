/** A new password, typed twice. */
import { useId } from 'react';
import { LIMITS } from '../../shared/schemas.js';

export function PasswordFields(props: {
  password: string;
  repeat: string;
  onPassword: (v: string) => void;
  onRepeat: (v: string) => void;
  /** The first field's name ("New password" when changing one). */
  label?: string;
}) {
  const mismatch = props.repeat.length > 0 && props.repeat !== props.password;
  const hint = useId(); // the hint describes the field; it is not part of its name
  return (
    <>
      <label>
        {props.label ?? 'Password'}
        <input
          type="password"
          autoComplete="new-password"
          minLength={LIMITS.minPasswordChars}
          maxLength={LIMITS.passwordChars}
          value={props.password}
          onChange={(e) => props.onPassword(e.target.value)}
          data-testid="password"
          aria-describedby={hint}
          required
        />
      </label>
      <small id={hint} className="muted field-hint">
        At least {LIMITS.minPasswordChars} characters. It protects Meow on this computer; nobody can reset it.
      </small>
      <label>
        Repeat the password
        <input
          type="password"
          autoComplete="new-password"
          value={props.repeat}
          onChange={(e) => props.onRepeat(e.target.value)}
          aria-invalid={mismatch}
          data-testid="password-repeat"
          required
        />
        {mismatch && <small className="error">The two passwords differ.</small>}
      </label>
    </>
  );
}
