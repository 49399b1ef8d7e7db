/** What this is, which version, where its data lives. */
import { useApp } from '../stores/appStore.js';
import { Logo } from './Logo.js';

export function AboutSettings() {
  const state = useApp((s) => s.state);
  const profile = useApp((s) => s.profile);
  return (
    <section className="panel about" aria-labelledby="about-title" data-testid="about">
      <div className="panel-title">
        <Logo size={40} />
        <h2 id="about-title">About Meow</h2>
      </div>
      <p>
        Meow {__APP_VERSION__} — end-to-end encrypted messages that follow you across your computers. Your
        contacts never learn how many devices you have.
      </p>
      <dl className="facts">
        <dt>Profile folder</dt>
        <dd>
          <code>{state?.profile}</code>
        </dd>
        <dt>This device</dt>
        <dd>{profile?.deviceName}</dd>
        <dt>Licence</dt>
        <dd>AGPL-3.0-or-later</dd>
      </dl>
    </section>
  );
}
