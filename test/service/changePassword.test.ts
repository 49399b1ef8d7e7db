/**
 * Changing this device's password (issue 24, finding 5): the storage key is re-wrapped, not
 * replaced (messages stay readable); the old password no longer opens the profile; a wrong
 * old password changes nothing; a change saved after the new password keeps the file
 * openable (finding: the old code kept sealing later saves under the old key with the new
 * salt, so neither password opened the profile); a key kept for "remember me" follows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdentityFile } from '../../main/core/identity/identity.js';
import { createService } from '../../main/core/service/service.js';
import type { Keychain } from '../../main/core/service/keychain.js';
import { PASSWORD, TEST_LOG_N, useEnv } from '../core/harness.js';
import { befriendServices, newIdentity } from './helpers.js';

const NEW = 'a new password, longer';

describe('changePassword', () => {
  const env = useEnv();

  it('re-wraps the storage key: the new password opens the same profile, the old one does not', async () => {
    const alice = await newIdentity(env, 'alice-pw');
    const bob = await newIdentity(env, 'bob-pw');
    try {
      const { bOnA } = await befriendServices(alice, bob);
      await alice.send(bOnA, 'before the change');
      const keyBefore = (await IdentityFile.open(env.profile('alice-pw'), { password: PASSWORD })).identity
        .storageKey;

      await alice.changePassword({ oldPassword: PASSWORD, newPassword: NEW });
      // a change saved after the new password (the profile's status) must stay openable
      await alice.updateProfile({ status: 'after the change' });
      await alice.send(bOnA, 'after the change');
      await alice.lock();

      await expect(alice.unlock({ password: PASSWORD })).rejects.toMatchObject({ code: 'WRONG_PASSWORD' });
      await alice.unlock({ password: NEW });
      expect((await alice.profile()).status).toBe('after the change');
      const texts = (await alice.messages(bOnA)).map((m) => m.text);
      expect(texts).toEqual(expect.arrayContaining(['before the change', 'after the change']));
      const reopened = await IdentityFile.open(env.profile('alice-pw'), { password: NEW });
      expect(Buffer.from(reopened.identity.storageKey)).toEqual(Buffer.from(keyBefore));
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  it('refuses a wrong old password and a too short new one, and changes nothing', async () => {
    const carol = await newIdentity(env, 'carol-pw');
    const file = join(env.profile('carol-pw'), 'identity.json');
    try {
      const before = readFileSync(file, 'utf8');
      await expect(
        carol.changePassword({ oldPassword: 'not the password', newPassword: NEW }),
      ).rejects.toMatchObject({ code: 'WRONG_PASSWORD' });
      await expect(
        carol.changePassword({ oldPassword: PASSWORD, newPassword: 'short' }),
      ).rejects.toMatchObject({ code: 'WEAK_PASSWORD' });
      expect(readFileSync(file, 'utf8')).toBe(before);
      await carol.lock();
      await carol.unlock({ password: PASSWORD });
    } finally {
      await carol.close();
    }
  });

  it('a key kept for "remember me" is replaced by the new one', async () => {
    let kept: Uint8Array | null = null;
    const keychain: Keychain = {
      load: async () => kept,
      save: async (k) => {
        kept = k;
      },
      clear: async () => {
        kept = null;
      },
    };
    const profile = env.profile('dave-pw');
    const dave = createService({ profile, kdfLogN: TEST_LOG_N, log: env.log, keychain });
    try {
      await dave.createIdentity({ nickname: 'Dave', password: PASSWORD, serverUrl: env.relay.url });
      await dave.unlock({ password: PASSWORD, remember: true });
      await dave.changePassword({ oldPassword: PASSWORD, newPassword: NEW });
      await dave.lock();
      await dave.unlockRemembered();
      expect((await dave.appState()).remembered).toBe(true);
    } finally {
      await dave.close();
    }
  });
});
