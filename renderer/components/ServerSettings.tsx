/** The message servers this profile receives through (synced to my devices), and the relay this computer hosts. */
import { useState, type FormEvent } from 'react';
import { LIMITS } from '../../shared/schemas.js';
import { call } from '../bridge.js';
import { useApp } from '../stores/appStore.js';
import { ErrorText } from './ErrorText.js';
import { useAction } from './useAction.js';

export function ServerSettings() {
  const profile = useApp((s) => s.profile)!;
  const state = useApp((s) => s.state);
  const connections = useApp((s) => s.connections);
  const [url, setUrl] = useState('');
  const [lan, setLan] = useState(false);
  const add = useAction(async () => {
    useApp.getState().setProfile(await call('addServer', url.trim()));
    setUrl('');
  });
  const host = useAction(async () => {
    await call('hostLocalRelay', { lan });
    useApp.getState().setState(await call('appState'));
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void add.run();
  };
  const online = (server: string) => connections.find((c) => c.server === server);

  return (
    <section className="panel" aria-labelledby="servers-title" data-testid="server-settings">
      <h2 id="servers-title">Message servers</h2>
      <p className="muted">
        Servers relay sealed messages: they never see what you write or to whom. Your other devices learn the
        ones you add.
      </p>
      <ul className="server-list" data-testid="server-list">
        {profile.servers.map((s) => {
          const c = online(s.url);
          return (
            <li key={s.url}>
              <span className={c?.online ? 'dot ok' : c?.error ? 'dot bad' : 'dot'} aria-hidden="true" />
              <span className="server-name">{s.name || s.url}</span>
              <span className="muted small">{s.url}</span>
              <span className="muted small" data-testid="server-state">
                {c?.online
                  ? `connected${c.transport === 'session' ? ' · session' : c.transport === 'http' ? ' · long-poll (fallback)' : ''}`
                  : c?.error
                    ? `offline (${c.error})`
                    : 'connecting…'}
              </span>
            </li>
          );
        })}
      </ul>
      <form className="inline-form" onSubmit={submit}>
        <input
          type="url"
          aria-label="Add a server address"
          placeholder="https://meow.example.org"
          maxLength={LIMITS.urlChars}
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          data-testid="server-add-url"
        />
        <button
          type="submit"
          className="secondary"
          disabled={!url.trim() || add.busy}
          data-testid="server-add"
        >
          Add server
        </button>
      </form>
      <ErrorText error={add.error} />

      <h3>Relay on this computer</h3>
      {state?.localRelay ? (
        <p data-testid="local-relay">
          This computer hosts a relay at <code>{state.localRelay.url}</code>,{' '}
          {state.localRelay.lan ? 'reachable from your network' : 'reachable from this computer only'}.
        </p>
      ) : (
        <>
          <p className="muted">
            Run a Meow relay inside the app, for yourself or the people on your network.
          </p>
          <label className="check">
            <input type="checkbox" checked={lan} onChange={(e) => setLan(e.target.checked)} />
            Reachable from other computers on my network
          </label>
          <button className="secondary" onClick={() => void host.run()} disabled={host.busy}>
            Host a relay here
          </button>
          <ErrorText error={host.error} />
        </>
      )}
    </section>
  );
}
