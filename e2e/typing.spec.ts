/**
 * Typing dots in the app: while Alice types to Bob, Bob's conversation shows "Alice is typing"
 * (Alice's own screen never shows her typing); her message, once it arrives, ends the dots.
 */
import { expect, test } from '@playwright/test';
import { Harness } from './harness.js';
import { aliceAndBob, messages, openChat } from './steps.js';

test('typing dots: shown to the contact while I type, gone when my message arrives', async () => {
  test.setTimeout(240_000);
  const h = new Harness('typing');
  try {
    const { alice, bob } = await aliceAndBob(h, { contacts: true });
    await openChat(alice, 'Bob');
    await openChat(bob, 'Alice');
    const box = alice.page.getByTestId('composer-input');
    await box.pressSequentially('are you there');
    await expect(bob.page.getByTestId('typing')).toHaveText(/Alice is typing/);
    await h.shot(bob, 'typing-dots');
    await expect(alice.page.getByTestId('typing')).toHaveCount(0);
    await box.press('Enter');
    await expect(messages(bob, 'are you there')).toHaveCount(1);
    await expect(bob.page.getByTestId('typing')).toHaveCount(0);
  } finally {
    await h.close();
  }
});
