/** My picture: chosen, cropped square and shrunk here, then sent with my profile; or removed. */
import { useRef } from 'react';
import { call } from '../bridge.js';
import { cropAvatar } from '../lib/cropAvatar.js';
import { useApp } from '../stores/appStore.js';
import { Avatar } from './Avatar.js';
import { ErrorText } from './ErrorText.js';
import { useAction } from './useAction.js';

export function AvatarPicker({ name }: { name: string }) {
  const profile = useApp((s) => s.profile)!;
  const input = useRef<HTMLInputElement>(null);
  const set = useAction(async (avatar: string) =>
    useApp.getState().setProfile(await call('updateProfile', { avatar })),
  );
  const chosen = async (file: File | undefined) => {
    if (file) await set.run(await cropAvatar(file));
    if (input.current) input.current.value = '';
  };
  return (
    <div className="avatar-picker" data-testid="avatar-picker">
      <Avatar id={profile.deviceId} name={name} size={64} src={profile.avatar} />
      <div className="actions start">
        <input
          ref={input}
          type="file"
          accept="image/png,image/jpeg,image/webp,image/gif"
          hidden
          onChange={(e) => void chosen(e.target.files?.[0])}
          data-testid="avatar-file"
        />
        <button
          type="button"
          className="secondary"
          onClick={() => input.current?.click()}
          disabled={set.busy}
          data-testid="avatar-choose"
        >
          {profile.avatar ? 'Change picture…' : 'Choose a picture…'}
        </button>
        {profile.avatar && (
          <button
            type="button"
            className="secondary"
            onClick={() => void set.run('')}
            disabled={set.busy}
            data-testid="avatar-remove"
          >
            Remove picture
          </button>
        )}
      </div>
      <small className="muted">Cropped to a square; your contacts and your other devices see it.</small>
      <ErrorText error={set.error} testId="avatar-error" />
    </div>
  );
}
