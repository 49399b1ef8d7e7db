/** Where this device receives: a Meow server's address, or a relay hosted on this computer. */
import { useId } from 'react';

export interface ServerChoiceValue {
  mode: 'remote' | 'local';
  url: string;
  lan: boolean;
}

export function ServerChoice({
  value,
  onChange,
}: {
  value: ServerChoiceValue;
  onChange: (v: ServerChoiceValue) => void;
}) {
  const id = useId();
  return (
    <fieldset className="server-choice">
      <legend>Message server</legend>
      <label className="radio">
        <input
          type="radio"
          name={`${id}-mode`}
          checked={value.mode === 'remote'}
          onChange={() => onChange({ ...value, mode: 'remote' })}
          data-testid="server-remote"
        />
        Use a Meow server
      </label>
      {value.mode === 'remote' && (
        <input
          className="indent"
          // text, not url: "meow.example.org" or "192.168.1.5:8787" is what people type (shared/serverAddress.ts)
          type="text"
          inputMode="url"
          autoComplete="off"
          spellCheck={false}
          aria-label="Server address"
          placeholder="meow.example.org"
          value={value.url}
          onChange={(e) => onChange({ ...value, url: e.target.value })}
          data-testid="server-url"
          required
        />
      )}
      <label className="radio">
        <input
          type="radio"
          name={`${id}-mode`}
          checked={value.mode === 'local'}
          onChange={() => onChange({ ...value, mode: 'local' })}
          data-testid="server-local"
        />
        Host a relay on this computer
      </label>
      {value.mode === 'local' && (
        <label className="check indent">
          <input
            type="checkbox"
            checked={value.lan}
            onChange={(e) => onChange({ ...value, lan: e.target.checked })}
          />
          Reachable from other computers on my network (otherwise only from this computer)
        </label>
      )}
    </fieldset>
  );
}
