/**
 * Disappearing messages in the app, between Alice and Bob on test profiles (MEOW_TEST_TIMERS=1
 * allows a 5-second timer): Alice sets the timer in the conversation's header, Bob's header
 * shows it (set by Alice); her message disappears from her screen 5 s after sending and from
 * Bob's 5 s after he read it, and search finds nothing of it afterwards.
 */
import { expect, test } from '@playwright/test';
import { Harness } from './harness.js';
import { aliceAndBob, messages, openChat, send } from './steps.js';

// Every host this spec starts inherits it (they are spawned with this process's environment).
process.env['MEOW_TEST_TIMERS'] = '1';

test('a message disappears from both screens once its timer has run', async () => {
  test.setTimeout(300_000);
  const h = new Harness('disappearing');
  try {
    const { alice, bob } = await aliceAndBob(h, { contacts: true });
    await openChat(alice, 'Bob');
    await openChat(bob, 'Alice');
    await send(alice, 'this stays');
    await expect(messages(bob, 'this stays')).toHaveCount(1);

    await alice.page.getByTestId('disappearing-select').selectOption({ label: '5 seconds (tests)' });
    await expect(alice.page.getByTestId('disappearing-set-by')).toHaveText(/set by you/);
    // Bob's header follows, named after who set it.
    await expect(bob.page.getByTestId('disappearing-select')).toHaveValue('5000');
    await expect(bob.page.getByTestId('disappearing-set-by')).toHaveText(/set by Alice/);
    await h.shot(bob, 'disappearing-timer');

    await send(alice, 'the door code is 4711');
    // Shown to Bob (his open conversation reads it), then gone from both screens.
    await expect(messages(bob, 'the door code is 4711')).toHaveCount(1);
    for (const m of [alice, bob])
      await expect(messages(m, 'the door code is 4711')).toHaveCount(0, { timeout: 60_000 });
    // Written before the timer was set: it stays.
    for (const m of [alice, bob]) await expect(messages(m, 'this stays')).toHaveCount(1);
    await h.shot(bob, 'disappeared');

    // Search finds nothing of it.
    await bob.page.getByTestId('chat-search').fill('4711');
    await expect(bob.page.getByTestId('search-empty')).toBeVisible();

    // Off again: the headers say so.
    await bob.page.getByTestId('disappearing-select').selectOption({ label: 'Off' });
    await expect(alice.page.getByTestId('disappearing-select')).toHaveValue('0');
  } finally {
    await h.close();
  }
});
