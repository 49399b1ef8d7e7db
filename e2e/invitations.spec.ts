/**
 * A pending invitation (issue 24, finding 5): shown again from the contact (the same code
 * and link), then cancelled; Bob opening the link afterwards is told it no longer works,
 * and Alice's contact list no longer holds the invitation.
 */
import { expect, test } from '@playwright/test';
import { Harness } from './harness.js';
import { aliceAndBob, invite } from './steps.js';

test('a pending invitation is shown again, then cancelled, and its link refused', async () => {
  const h = new Harness('invitations');
  try {
    const { alice, bob } = await aliceAndBob(h);
    const link = await invite(alice, 'Bob');
    await alice.page.getByTestId('invite-done').click();

    const detail = alice.page.getByTestId('contact-detail');
    await expect(detail).toContainText('Invitation given, not answered yet');
    await detail.getByTestId('invitation-show').click();
    await expect(detail.getByTestId('invite-qr')).toBeVisible();
    await expect(detail.getByTestId('invite-link')).toHaveValue(link);
    await h.shot(alice, 'invitation-shown-again');

    await detail.getByTestId('invitation-cancel').click();
    await alice.page.getByTestId('invitation-cancel-dialog').getByTestId('dialog-confirm').click();
    await expect(alice.page.locator('[data-testid="contact-item"][data-contact="Bob"]')).toHaveCount(0);
    await expect(alice.page.getByTestId('contact-detail')).toHaveCount(0);

    await bob.page.getByTestId('nav-contacts').click();
    await bob.page.getByTestId('contacts-accept').click();
    await bob.page.getByTestId('tab-paste').click();
    await bob.page.getByTestId('link-paste').fill(link);
    await bob.page.getByTestId('link-submit').click();
    await expect(bob.page.getByRole('alert')).toContainText('cancelled');
    await h.shot(bob, 'cancelled-invitation-refused');
  } finally {
    await h.close();
  }
});
