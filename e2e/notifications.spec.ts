/**
 * Notifications in the browser host (Web Notifications API, the same rules as the desktop
 * shell's): a message from a contact while Meow is not in front is notified with their name
 * and the text; nothing while it is in front, nothing for what I write. Headless Chromium
 * has no window to leave, so "not in front" is the page's focus, set by the test; the
 * Notification constructor is recorded as the page calls it.
 */
import { expect, test } from '@playwright/test';
import { Harness, type Machine } from './harness.js';
import { aliceAndBob, messages, openChat, send } from './steps.js';

type Note = { title: string; body: string };

const notes = (m: Machine) => m.page.evaluate(() => (window as unknown as { __notes: Note[] }).__notes);

test('notifications: from a contact, only when Meow is not in front', async () => {
  const h = new Harness('notifications');
  try {
    const { hAlice, alice, bob } = await aliceAndBob(h, { contacts: true });

    await alice.context.grantPermissions(['notifications'], { origin: new URL(hAlice.url).origin });
    await alice.context.addInitScript(() => {
      const w = window as unknown as { __notes: Note[]; __front: boolean };
      w.__notes = [];
      w.__front = true;
      document.hasFocus = () => w.__front;
      window.Notification = class extends Notification {
        constructor(title: string, opts?: NotificationOptions) {
          super(title, opts);
          w.__notes.push({ title, body: opts?.body ?? '' });
        }
      };
    });
    // A reload keeps the session (the cookie), no address needed.
    await alice.page.reload();
    await openChat(alice, 'Bob');
    await openChat(bob, 'Alice');

    // In front: nothing.
    await send(bob, 'while you look');
    await expect(messages(alice, 'while you look')).toBeVisible({ timeout: 60_000 });
    expect(await notes(alice)).toEqual([]);

    // Away: Bob's message is notified; Alice's own is not.
    await alice.page.evaluate(() => ((window as unknown as { __front: boolean }).__front = false));
    await send(bob, 'ping');
    await expect.poll(() => notes(alice), { timeout: 60_000 }).toEqual([{ title: 'Bob', body: 'ping' }]);
    await send(alice, 'my own');
    await expect(messages(bob, 'my own')).toBeVisible({ timeout: 60_000 });
    expect(await notes(alice)).toEqual([{ title: 'Bob', body: 'ping' }]);
  } finally {
    await h.close();
  }
});
