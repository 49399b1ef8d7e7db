/**
 * A profile picture (issue 24, finding 5): checked wherever it comes from (a square PNG or
 * JPEG of at most 16 KiB and 512 pixels: malformed, oversized and non-square ones refused
 * with their own sentence), sent to my contacts with my profile and synced to my other
 * device; removing it brings the initials back everywhere.
 */
import { describe, expect, it } from 'vitest';
import { avatarProblem } from '../../shared/avatar.js';
import { jpegWithGps } from '../attachments/fixtures.js';
import { aliceWithLaptopAndBob, settle, useEnv, useOpen } from '../core/harness.js';
import { png } from '../helpers/png.js';
import { befriendServices, newIdentity } from '../service/helpers.js';

describe('profile pictures', () => {
  const env = useEnv();
  const open = useOpen();

  it('tells a picture from what is not one', () => {
    expect(avatarProblem(png(64, 64))).toBe(null);
    expect(avatarProblem(png(64, 48))).toBe('square');
    expect(avatarProblem(png(600, 600))).toBe('size');
    expect(avatarProblem(new Uint8Array(20_000))).toBe('size');
    expect(avatarProblem(Buffer.from('<svg onload="alert(1)"/>'))).toBe('format');
    expect(avatarProblem(png(64, 64).subarray(0, 20))).toBe('format');
    // the JPEG fixture's frame header (SOF0) is found past its EXIF segment
    expect(avatarProblem(jpegWithGps().bytes)).not.toBe('format');
  });

  it('goes to my contacts with my profile and to my other device; removed, initials everywhere', async () => {
    const { a, s, bob } = await aliceWithLaptopAndBob(env, open, 'pic');
    const picture = png(96, 96).toString('base64');
    await a.updateProfile({ avatar: picture });
    await settle(a, s, bob);
    expect(s.identity.avatar).toBe(picture);
    const aliceOnBob = bob.findContact('Alice-pic');
    expect(aliceOnBob.avatar).toBe(picture);

    await a.updateProfile({ avatar: '' });
    await settle(a, s, bob);
    expect(s.identity.avatar).toBe('');
    expect(bob.findContact('Alice-pic').avatar).toBe('');
  }, 120_000);

  it('the service refuses a malformed, oversized or non-square picture with its reason, and shows a good one', async () => {
    const alice = await newIdentity(env, 'alice-pic2');
    const bob = await newIdentity(env, 'bob-pic2');
    try {
      const { aOnB } = await befriendServices(alice, bob);
      for (const [avatar, problem] of [
        ['not base64!', 'format'],
        [Buffer.from('GIF89a....').toString('base64'), 'format'],
        [png(64, 32).toString('base64'), 'square'],
        [png(600, 600).toString('base64'), 'size'],
      ] as const)
        await expect(alice.updateProfile({ avatar })).rejects.toMatchObject({
          code: 'AVATAR_INVALID',
          params: { problem },
        });
      expect((await alice.profile()).avatar).toBe('');
      const good = png(64, 64).toString('base64');
      expect((await alice.updateProfile({ avatar: good })).avatar).toBe(`data:image/png;base64,${good}`);
      for (let i = 0; i < 10 && !(await bob.contacts()).find((c) => c.id === aOnB)?.avatar; i++) {
        await alice.sync();
        await bob.sync();
      }
      expect((await bob.contacts()).find((c) => c.id === aOnB)?.avatar).toBe(`data:image/png;base64,${good}`);
    } finally {
      await alice.close();
      await bob.close();
    }
  });
});
