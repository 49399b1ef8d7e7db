/** Settings: profile (synced to my other devices), message servers (synced), this computer, about. */
import { ProfileSettings } from './ProfileSettings.js';
import { SecuritySettings } from './SecuritySettings.js';
import { ChangePassword } from './ChangePassword.js';
import { ServerSettings } from './ServerSettings.js';
import { AboutSettings } from './AboutSettings.js';
import { FileSettings } from './FileSettings.js';
import { FileStorage } from './FileStorage.js';
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
        <ChangePassword />
        <FileSettings />
        <FileStorage />
        <ExportSettings />
        <AboutSettings />
      </div>
    </section>
  );
}
