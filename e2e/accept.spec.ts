/**
 * Accepting an invitation as a new user meets it: who it is from is shown before accepting;
 * a second invitation from someone already a contact says so ("Accept anyway"); an error
 * ("already accepted") goes away when the person switches tab or comes back, instead of
 * staying on the panel. The inviter's code goes away once it is used, saying who joined.
 */
import { expect, test } from '@playwright/test';
import { errorMessage } from '../shared/errors.js';
import { Harness } from './harness.js';
import { acceptByPaste, aliceAndBob, invite } from './steps.js';

test('accepting: who it is from first, a duplicate flagged, no stale error', async () => {
  const h = new Harness('accept');
  try {
    const { alice, bob } = await aliceAndBob(h);
    const first = await invite(alice, 'Bob');
    await alice.page.getByTestId('invite-done').click();
    const second = await invite(alice, 'Bob');

    await acceptByPaste(bob, first);

    // The second invitation: shown as from Alice, flagged as a second contact.
    const page = bob.page;
    await page.getByTestId('contacts-accept').click();
    await page.getByTestId('tab-paste').click();
    await page.getByTestId('link-paste').fill(second);
    await page.getByTestId('link-submit').click();
    await expect(page.locator('#accept-title')).toHaveText('Invitation from Alice');
    await expect(page.getByTestId('accept-duplicate')).toContainText(
      'You already have a contact named Alice',
    );
    await expect(page.getByTestId('accept-confirm')).toHaveText('Accept anyway');
    await h.shot(bob, 'accept-duplicate');
    await page.getByTestId('accept-back').click();

    // The first one again: refused in words; the error leaves with a tab switch.
    const error = page.getByTestId('accept-error');
    await page.getByTestId('link-paste').fill(first);
    await page.getByTestId('link-submit').click();
    await expect(error).toHaveText(errorMessage('ALREADY_ACCEPTED', { contact: 'Alice' }));
    // Continue and Cancel side by side, the error above them (not splitting them).
    const [cont, cancel] = await Promise.all([
      page.getByTestId('link-submit').boundingBox(),
      page.getByTestId('accept-cancel').boundingBox(),
    ]);
    expect(Math.abs(cont!.y - cancel!.y)).toBeLessThan(4);
    expect((await error.boundingBox())!.y).toBeLessThan(cont!.y);
    await h.shot(bob, 'accept-error');
    await page.getByTestId('tab-scan').click();
    await expect(error).toHaveCount(0);
    await page.getByTestId('tab-paste').click();
    await page.getByTestId('link-paste').fill(first);
    await page.getByTestId('link-submit').click();
    await expect(error).toBeVisible();
    // Away and back: a fresh panel.
    await page.getByTestId('nav-chats').click();
    await page.getByTestId('nav-contacts').click();
    await page.getByTestId('contacts-accept').click();
    await expect(page.getByTestId('accept-panel')).toBeVisible();
    await expect(error).toHaveCount(0);
    await page.getByTestId('accept-cancel').click();
    await expect(page.getByTestId('accept-panel')).toHaveCount(0);

    // Bob accepts the second one anyway: Alice's open invitation stops showing its code
    // and says he joined. (Until then its link box shows the whole link, no line cut off.)
    await expect(alice.page.getByTestId('invite-qr')).toBeVisible();
    const whole = await alice.page
      .getByTestId('invite-link')
      .evaluate((el) => el.scrollHeight <= el.clientHeight + 1);
    expect(whole).toBe(true);
    await page.getByTestId('contacts-accept').click();
    await page.getByTestId('tab-paste').click();
    await page.getByTestId('link-paste').fill(second);
    await page.getByTestId('link-submit').click();
    await page.getByTestId('accept-confirm').click();
    await expect(page.getByTestId('contact-detail')).toBeVisible();
    await expect(alice.page.getByTestId('invite-joined')).toContainText('Bob joined', { timeout: 60_000 });
    await expect(alice.page.getByTestId('invite-qr')).toHaveCount(0);
    await h.shot(alice, 'invite-joined');
  } finally {
    await h.close();
  }
});
