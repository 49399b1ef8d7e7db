/** My name and status, as my contacts see them; my other devices follow. And this computer's name. */
import { useState, type FormEvent } from 'react';
import { LIMITS } from '../../shared/schemas.js';
import { call } from '../bridge.js';
import { useApp } from '../stores/appStore.js';
import { useDevices } from '../stores/deviceStore.js';
import { AvatarPicker } from './AvatarPicker.js';
import { ErrorText } from './ErrorText.js';
import { useAction } from './useAction.js';

export function ProfileSettings() {
  const profile = useApp((s) => s.profile)!;
  const [nickname, setNickname] = useState(profile.nickname);
  const [status, setStatus] = useState(profile.status);
  const [deviceName, setDeviceName] = useState(profile.deviceName);
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    const change: { nickname?: string; status?: string } = {};
    if (nickname.trim() !== profile.nickname) change.nickname = nickname.trim();
    if (status !== profile.status) change.status = status;
    if (Object.keys(change).length) useApp.getState().setProfile(await call('updateProfile', change));
    if (deviceName.trim() && deviceName.trim() !== profile.deviceName) {
      await useDevices.getState().rename(profile.deviceId, deviceName.trim());
      await useApp.getState().refreshProfile();
    }
    setSaved(true);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    void save.run();
  };
  const dirty =
    nickname.trim() !== profile.nickname ||
    status !== profile.status ||
    deviceName.trim() !== profile.deviceName;

  return (
    <form
      className="panel form"
      onSubmit={submit}
      aria-labelledby="profile-title"
      data-testid="profile-settings"
    >
      <div className="panel-title">
        <h2 id="profile-title">Profile</h2>
      </div>
      <AvatarPicker name={nickname || profile.nickname} />
      <label>
        Your name
        <input
          maxLength={LIMITS.nameChars}
          value={nickname}
          onChange={(e) => setNickname(e.target.value)}
          data-testid="profile-name"
          required
        />
      </label>
      <label>
        Status
        <textarea
          rows={2}
          maxLength={LIMITS.statusChars}
          value={status}
          onChange={(e) => setStatus(e.target.value)}
          placeholder="What your contacts see under your name"
          data-testid="profile-status"
        />
      </label>
      <label>
        This computer&apos;s name
        <input
          maxLength={LIMITS.nameChars}
          value={deviceName}
          onChange={(e) => setDeviceName(e.target.value)}
          data-testid="profile-device-name"
        />
        <small className="muted">Only your own devices see it.</small>
      </label>
      <ErrorText error={save.error} />
      <div className="actions">
        {saved && !dirty && (
          <span className="muted" role="status" data-testid="profile-saved">
            Saved — your other devices follow.
          </span>
        )}
        <button type="submit" className="primary" disabled={!dirty || save.busy} data-testid="profile-save">
          Save
        </button>
      </div>
    </form>
  );
}
