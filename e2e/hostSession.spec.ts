/**
 * The browser host's session as a person meets it. The printed address works once: opened
 * again (as the browser's history keeps it) it locks the profile and asks the password;
 * in a browser without a session it says why nothing opens. When the host restarts, the
 * open tab says "Meow was restarted — reconnecting", comes back by itself (to the password
 * screen: a restarted host is locked) and keeps what was being written.
 */
import { expect, test } from '@playwright/test';
import { Harness, PASSWORD, type Machine } from './harness.js';
import { aliceAndBob, messages, openChat } from './steps.js';

async function unlock(m: Machine | { page: Machine['page'] }) {
  await m.page.getByTestId('unlock-password').fill(PASSWORD);
  await m.page.getByTestId('unlock-submit').click();
  await expect(m.page.getByTestId('nav-chats')).toBeVisible();
}

test('the printed address works once; a host restart reconnects the tab and keeps the draft', async () => {
  const h = new Harness('host-session');
  try {
    const { hAlice, hBob, browser, alice, bob } = await aliceAndBob(h, { contacts: true });

    // The address as the history keeps it, opened again in the same browser: the password.
    const again = await alice.context.newPage();
    await again.goto(hAlice.url);
    await expect(again.getByTestId('unlock-form')).toBeVisible();
    await expect(alice.page.getByTestId('unlock-form')).toBeVisible();
    await h.shot(again, 'history-address-asks-password');
    // In a browser with no session, it says why nothing opens.
    const stranger = await (await browser.newContext()).newPage();
    await stranger.goto(hAlice.url);
    await expect(stranger.getByTestId('host-refused')).toContainText('already used');
    await h.shot(stranger, 'history-address-elsewhere');
    await again.close();
    await unlock(alice);

    // Bob writes half a message; his host restarts under him.
    await openChat(bob, 'Alice');
    const draft = 'half-written, not lost';
    await bob.page.getByTestId('composer-input').fill(draft);
    const port = new URL(hBob.url).port;
    await hBob.stop();
    await expect(bob.page.getByTestId('host-banner')).toContainText('Meow was restarted — reconnecting…');
    await h.shot(bob, 'host-restarting');
    const restarted = await h.host('bob');
    expect(new URL(restarted.url).port).toBe(port);
    // Back by itself, to the password screen; then the chat, the draft still there.
    await expect(bob.page.getByTestId('unlock-form')).toBeVisible();
    await expect(bob.page.getByTestId('host-banner')).toHaveCount(0);
    await unlock(bob);
    await openChat(bob, 'Alice');
    await expect(bob.page.getByTestId('composer-input')).toHaveValue(draft);
    await bob.page.getByTestId('composer-input').press('Enter');
    await openChat(alice, 'Bob');
    await expect(messages(alice, draft)).toBeVisible({ timeout: 60_000 });
  } finally {
    await h.close();
  }
});
