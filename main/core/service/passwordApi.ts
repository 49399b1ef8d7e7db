/**
 * Changing this device's password: the profile's storage key is re-wrapped under the new
 * one (identity/IdentityFile.changePassword), never replaced. Each of my devices keeps its
 * own password: nothing of this reaches my other devices or my contacts.
 */
import { ServiceError } from '../../../shared/errors.js';
import type { AppStateView } from '../../../shared/views.js';
import { DEFAULT_LOG_N } from '../identity/passwordBox.js';
import type { ServiceSession } from './session.js';

export function changePassword(
  s: ServiceSession,
  args: { oldPassword: string; newPassword: string },
): Promise<AppStateView> {
  return s.guard('changePassword', () =>
    s.lifecycle.run('life', async () => {
      const m = s.open();
      s.requirePassword(args.newPassword);
      if (!args.oldPassword) throw new ServiceError('WRONG_PASSWORD', {});
      await m.identityFile.changePassword(
        args.oldPassword,
        args.newPassword,
        s.opts.kdfLogN ?? DEFAULT_LOG_N,
      );
      // A key kept for "remember me" would no longer open the profile: keep the new one instead.
      if (s.opts.keychain && (await s.opts.keychain.load()) !== null)
        await s.opts.keychain.save(m.identityFile.unlockKey);
      await s.refreshRemembered();
      return s.state();
    }),
  );
}
