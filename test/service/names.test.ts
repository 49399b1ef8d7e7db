/**
 * Names with nothing visible in them (zero-width spaces, Hangul fillers, a lone combining
 * mark, bidi controls) are refused everywhere a person names something, with a sentence that
 * says why; names with something visible among them still pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorMessage } from '../../shared/errors.js';
import { directionParts, hasVisibleCharacter, withDirectionMarks } from '../../shared/text.js';
import type { LocalService } from '../../main/core/service/service.js';
import { PASSWORD, useEnv } from '../core/harness.js';
import { newIdentity, serviceFor } from './helpers.js';

const INVISIBLE = [
  '\u200b\u200b',
  ' \u200b ',
  '\u3164',
  '\u2800',
  '\u0301',
  '\u202e',
  '\ufeff',
  '\u00ad',
  '\u180e',
];

describe('names', () => {
  it('tells a visible character from an invisible one', () => {
    for (const name of INVISIBLE) expect(hasVisibleCharacter(name), JSON.stringify(name)).toBe(false);
    for (const name of ['a', '\u200bBob', 'é', '李', '🙂', 'ع', '\u202efdp.exe']) {
      expect(hasVisibleCharacter(name), JSON.stringify(name)).toBe(true);
    }
  });

  it('shows direction overrides as marks instead of letting them reorder the text', () => {
    expect(withDirectionMarks('\u202efdp.exe\u202c')).toBe('⟨RLO⟩fdp.exe⟨PDF⟩');
    expect(directionParts('a\u2067b')).toEqual([
      { text: 'a' },
      { control: 'RLI', title: 'right-to-left isolate' },
      { text: 'b' },
    ]);
    expect(directionParts('plain')).toEqual([{ text: 'plain' }]);
  });

  describe('in the service', () => {
    const env = useEnv();
    let alice: LocalService;
    const refused = { code: 'EMPTY_NAME', message: errorMessage('EMPTY_NAME', {}) };

    beforeAll(async () => {
      alice = await newIdentity(env, 'alice');
    });
    afterAll(async () => {
      await alice.close();
    });

    it('refuses a new identity, a nickname, an invitation, a contact and a device named with nothing visible', async () => {
      const fresh = serviceFor(env, 'fresh');
      try {
        await expect(
          fresh.createIdentity({ nickname: '\u200b\u200b', password: PASSWORD, serverUrl: env.relay.url }),
        ).rejects.toMatchObject(refused);
      } finally {
        await fresh.close();
      }
      for (const name of INVISIBLE) {
        await expect(alice.updateProfile({ nickname: name })).rejects.toMatchObject(refused);
        await expect(alice.invite({ name })).rejects.toMatchObject(refused);
      }
      const me = (await alice.devices())[0]!;
      await expect(alice.renameDevice(me.id, '\u3164')).rejects.toMatchObject(refused);
      const { contactId } = await alice.invite({ name: 'Bob' });
      await expect(alice.updateContact(contactId, { name: '\u200b' })).rejects.toMatchObject(refused);
      // Something visible among the invisible: accepted.
      expect((await alice.updateContact(contactId, { name: '\u200bBobby' })).name).toBe('\u200bBobby');
      expect((await alice.profile()).nickname).toBe('alice');
    });

    it('refuses an invisible name given when accepting an invitation', async () => {
      const bob = await newIdentity(env, 'bob');
      try {
        const { link } = await alice.invite({ name: 'Bob again' });
        await expect(bob.acceptInvite({ link, name: '\u200b\u200b' })).rejects.toMatchObject(refused);
      } finally {
        await bob.close();
      }
    });
  });
});
