/**
 * Deleting a conversation from its menu (issue 24, finding 5): after a confirmation its
 * messages are gone (also from search), the contact stays in the list, and what arrives
 * afterwards shows as usual.
 */
import { expect, test } from '@playwright/test';
import { Harness } from './harness.js';
import { aliceAndBob, chatItem, messages, openChat, send } from './steps.js';

test('a conversation is deleted from its menu; the contact stays', async () => {
  const h = new Harness('delete-conversation');
  try {
    const { alice, bob } = await aliceAndBob(h, { contacts: true });
    await openChat(bob, 'Alice');
    await send(bob, 'a secret to forget');
    await openChat(alice, 'Bob');
    await expect(messages(alice, 'a secret to forget')).toBeVisible();

    await alice.page.getByTestId('chat-menu').click();
    await alice.page.getByTestId('chat-delete').click();
    const dialog = alice.page.getByTestId('delete-conversation-dialog');
    await expect(dialog).toContainText('on all your devices');
    await h.shot(alice, 'delete-conversation-confirm');
    await dialog.getByTestId('dialog-confirm').click();
    await expect(messages(alice, 'a secret to forget')).toHaveCount(0);
    await expect(chatItem(alice, 'Bob')).toBeVisible();

    await send(bob, 'still here');
    await expect(messages(alice, 'still here')).toBeVisible();
    await expect(messages(alice, 'a secret to forget')).toHaveCount(0);
  } finally {
    await h.close();
  }
});
