/**
 * A profile picture (issue 24, finding 5): chosen in Settings (a wide picture is cropped to a
 * square and shrunk), shown in place of the initials, and seen by Bob; a file that is not a
 * picture is refused with a clear error.
 */
import { expect, test } from '@playwright/test';
import { png } from '../test/helpers/png.js';
import { Harness } from './harness.js';
import { aliceAndBob } from './steps.js';

test('a profile picture is chosen, cropped, and seen by the contact', async () => {
  const h = new Harness('avatar');
  try {
    const { alice, bob } = await aliceAndBob(h, { contacts: true });
    await alice.page.getByTestId('nav-settings').click();
    const picker = alice.page.getByTestId('avatar-picker');
    await expect(picker.getByTestId('avatar-picture')).toHaveCount(0); // initials

    await picker
      .getByTestId('avatar-file')
      .setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture') });
    await expect(picker.getByTestId('avatar-error')).toContainText('not a PNG or JPEG picture');

    await picker
      .getByTestId('avatar-file')
      .setInputFiles({ name: 'wide.png', mimeType: 'image/png', buffer: png(300, 200, [30, 140, 90]) });
    const mine = picker.getByTestId('avatar-picture');
    await expect(mine).toBeVisible();
    await expect(picker.getByTestId('avatar-error')).toHaveCount(0);
    expect(await mine.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([
      192, 192,
    ]);
    await h.shot(alice, 'profile-picture', 'settings');

    await bob.page.getByTestId('nav-contacts').click();
    await bob.page.locator('[data-testid="contact-item"][data-contact="Alice"]').click();
    await expect(bob.page.getByTestId('contact-detail').getByTestId('avatar-picture')).toBeVisible();
    await h.shot(bob, 'contact-picture');
  } finally {
    await h.close();
  }
});
