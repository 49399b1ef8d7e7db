/**
 * Deleting a contact (issue 24, finding 5): from the contact's panel, after a confirmation,
 * the contact and its conversation leave Alice's lists; what Bob sends afterwards never shows.
 */
import { expect, test } from '@playwright/test';
import { Harness } from './harness.js';
import { aliceAndBob, chatItem, messages, openChat, send } from './steps.js';

test('a contact is deleted with its conversation', async () => {
  const h = new Harness('delete-contact');
  try {
    const { alice, bob } = await aliceAndBob(h, { contacts: true });
    await openChat(bob, 'Alice');
    await send(bob, 'before');
    await openChat(alice, 'Bob');
    await expect(messages(alice, 'before')).toBeVisible();

    await alice.page.getByTestId('nav-contacts').click();
    await alice.page.locator('[data-testid="contact-item"][data-contact="Bob"]').click();
    await alice.page.getByTestId('contact-delete').click();
    const dialog = alice.page.getByTestId('delete-contact-dialog');
    await expect(dialog).toContainText('on all your devices');
    await h.shot(alice, 'delete-contact-confirm');
    await dialog.getByTestId('dialog-confirm').click();
    await expect(alice.page.locator('[data-testid="contact-item"][data-contact="Bob"]')).toHaveCount(0);
    await alice.page.getByTestId('nav-chats').click();
    await expect(chatItem(alice, 'Bob')).toHaveCount(0);

    await send(bob, 'after');
    await expect(messages(bob, 'after')).toBeVisible();
    await expect(chatItem(alice, 'Bob')).toHaveCount(0);
  } finally {
    await h.close();
  }
});
