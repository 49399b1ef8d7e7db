/** Settings: profile (synced to my other devices), message servers (synced), this computer, about. */
import { ProfileSettings } from './ProfileSettings.js';
import { SecuritySettings } from './SecuritySettings.js';
import { ServerSettings } from './ServerSettings.js';
import { AboutSettings } from './AboutSettings.js';
import { FileSettings } from './FileSettings.js';
import { ExportSettings } from './ExportSettings.js';
import './Settings.css';

export function SettingsScreen() {
  return (
    <section className="pane settings" aria-labelledby="settings-title" data-testid="settings-screen">
      <header className="pane-head">
        <h1 id="settings-title">Settings</h1>
      </header>
      <div className="settings-grid">
        <ProfileSettings />
        <ServerSettings />
        <SecuritySettings />
        <FileSettings />
        <ExportSettings />
        <AboutSettings />
      </div>
    </section>
  );
}
