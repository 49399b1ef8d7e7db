/**
 * Changing the password in Settings (issue 24, finding 5): a wrong current password is
 * refused with a clear error; afterwards the old password no longer unlocks and the new one
 * does; the panel says that each device keeps its own password.
 */
import { expect, test } from '@playwright/test';
import { Harness, PASSWORD } from './harness.js';
import { createIdentity } from './steps.js';

const NEW = 'a brand new password';

test('the password can be changed, for this computer only', async () => {
  const h = new Harness('password');
  try {
    const relay = await h.relay();
    const alice = await h.open(await h.browser(), await h.host('alice'));
    await createIdentity(alice, { name: 'Alice', device: 'Desktop', server: relay.url });
    const page = alice.page;
    await page.getByTestId('nav-settings').click();
    const panel = page.getByTestId('change-password');
    await expect(panel).toContainText('each of your devices keeps its own password');

    await panel.getByTestId('current-password').fill('not my password');
    await panel.getByTestId('password').fill(NEW);
    await panel.getByTestId('password-repeat').fill(NEW);
    await panel.getByTestId('change-password-submit').click();
    await expect(panel.getByRole('alert')).toContainText('Wrong password');

    await panel.getByTestId('current-password').fill(PASSWORD);
    await panel.getByTestId('change-password-submit').click();
    await expect(panel.getByTestId('password-changed')).toBeVisible();
    await panel.scrollIntoViewIfNeeded();
    await h.shot(alice, 'password-changed');

    await page.getByTestId('lock').click();
    await page.getByTestId('unlock-password').fill(PASSWORD);
    await page.getByTestId('unlock-submit').click();
    await expect(page.getByTestId('unlock-form')).toContainText('Wrong password');
    await page.getByTestId('unlock-password').fill(NEW);
    await page.getByTestId('unlock-submit').click();
    await expect(page.getByTestId('nav-settings')).toBeVisible();
  } finally {
    await h.close();
  }
});
