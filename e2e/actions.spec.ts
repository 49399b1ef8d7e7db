/**
 * Conversation actions in the app, across Alice's two machines (Desktop, and Laptop linked to
 * it) and Bob: reply with a quote (and jump to it), react and take it back, edit, delete for
 * everyone, delete for me. Each shows on the other two screens, whichever machine did it.
 */
import { expect, test, type Locator } from '@playwright/test';
import { Harness, type Machine } from './harness.js';
import {
  acceptByPaste,
  createIdentity,
  invite,
  messages,
  openChat,
  openPairingOnExisting,
  sameSafetyCode,
  send,
  startPairingOnNew,
} from './steps.js';

/** The row of the message whose text starts with `text`. */
const row = (m: Machine, text: string): Locator =>
  m.page.getByTestId('message').filter({ has: m.page.getByTestId('message-text').getByText(text) });

test('reply, react, edit and delete follow Alice across her machines and reach Bob', async () => {
  test.setTimeout(420_000);
  const h = new Harness('conversation-actions');
  try {
    const relay = await h.relay();
    const [hDesk, hLaptop, hBob] = await Promise.all([h.host('desktop'), h.host('laptop'), h.host('bob')]);
    const browser = await h.browser();
    const desk = await h.open(browser, hDesk);
    const laptop = await h.open(browser, hLaptop);
    const bob = await h.open(browser, hBob, { dark: true });

    await createIdentity(desk, { name: 'Alice', device: 'Desktop', server: relay.url });
    await createIdentity(bob, { name: 'Bob', device: 'Bob PC', server: relay.url });
    await acceptByPaste(bob, await invite(desk, 'Bob'));
    await openChat(bob, 'Alice');
    await send(bob, 'Lunch at noon?\nOr later, if you prefer');
    await openChat(desk, 'Bob');
    await expect(row(desk, 'Lunch at noon?')).toHaveCount(1);

    // Alice links her laptop (by pasting the link); the conversation comes along.
    const link = await startPairingOnNew(laptop, { device: 'Laptop', server: relay.url });
    await openPairingOnExisting(desk);
    await desk.page.getByTestId('tab-paste').click();
    await desk.page.getByTestId('link-paste').fill(link);
    await desk.page.getByTestId('link-submit').click();
    await sameSafetyCode(desk, laptop);
    await desk.page.getByTestId('pair-confirm').click();
    await laptop.page.getByTestId('pair-confirm').click();
    await expect(laptop.page.getByTestId('pair-done')).toBeVisible({ timeout: 60_000 });
    await laptop.page.getByTestId('pair-finish').click();
    await desk.page.getByTestId('pair-close').click();
    await openChat(desk, 'Bob');
    await openChat(laptop, 'Bob');
    await expect(row(laptop, 'Lunch at noon?')).toHaveCount(1);

    // Reply with a quote, from the laptop (it reaches Bob through the desktop).
    await row(laptop, 'Lunch at noon?').hover();
    await row(laptop, 'Lunch at noon?').getByTestId('action-reply').click();
    await expect(laptop.page.getByTestId('composer-reply')).toContainText('Lunch at noon?');
    await h.shot(laptop, 'reply-composer');
    await send(laptop, 'Noon is perfect');
    for (const m of [bob, desk, laptop]) {
      const quote = row(m, 'Noon is perfect').getByTestId('message-quote');
      await expect(quote).toContainText('Lunch at noon?');
      await expect(quote).not.toContainText('Or later');
    }
    await h.shot(bob, 'reply-received');
    // A click on the quote brings the original into view, highlighted.
    await row(bob, 'Noon is perfect').getByTestId('message-quote').click();
    await expect(row(bob, 'Lunch at noon?')).toHaveClass(/highlight/);

    // Reactions: the desktop reacts, Bob too; the laptop takes Alice's reaction back.
    await row(desk, 'Lunch at noon?').hover();
    await row(desk, 'Lunch at noon?').getByTestId('action-react').click();
    await row(desk, 'Lunch at noon?').locator('[data-testid="react-option"][data-emoji="❤️"]').click();
    await row(bob, 'Lunch at noon?').hover();
    await row(bob, 'Lunch at noon?').getByTestId('action-react').click();
    await row(bob, 'Lunch at noon?').locator('[data-testid="react-option"][data-emoji="👍"]').click();
    for (const m of [bob, desk, laptop]) {
      const reactions = row(m, 'Lunch at noon?').getByTestId('reaction');
      await expect(reactions).toHaveCount(2);
      await expect(
        row(m, 'Lunch at noon?').locator('[data-testid="reaction"][data-emoji="❤️"]'),
      ).toHaveAttribute('data-mine', m === bob ? 'false' : 'true');
    }
    await h.shot(laptop, 'reactions');
    await row(laptop, 'Lunch at noon?').locator('[data-testid="reaction"][data-emoji="❤️"]').click();
    for (const m of [bob, desk, laptop])
      await expect(row(m, 'Lunch at noon?').getByTestId('reaction')).toHaveCount(1); // Bob's 👍 stays

    // Edit, from the laptop: the new text everywhere, marked edited.
    await row(laptop, 'Noon is perfect').hover();
    await row(laptop, 'Noon is perfect').getByTestId('action-edit').click();
    const box = laptop.page.getByTestId('composer-input');
    await expect(box).toHaveValue('Noon is perfect');
    await box.fill('Noon is perfect, see you there');
    await box.press('Enter');
    for (const m of [bob, desk, laptop]) {
      await expect(messages(m, 'Noon is perfect, see you there')).toHaveCount(1);
      await expect(messages(m, 'Noon is perfect, see you there').getByTestId('message-edited')).toBeVisible();
    }
    await h.shot(bob, 'edited');

    // Delete for everyone, from the desktop: "message deleted" on all three.
    const edited = row(desk, 'Noon is perfect, see you there');
    await edited.hover();
    await edited.getByTestId('action-delete').click();
    await h.shot(desk, 'delete-menu');
    await edited.getByTestId('delete-for-everyone').click();
    for (const m of [bob, desk, laptop]) {
      await expect(m.page.locator('[data-testid="message"][data-deleted="true"]')).toHaveCount(1);
      await expect(row(m, 'Noon is perfect')).toHaveCount(0);
    }
    await h.shot(bob, 'deleted-for-everyone');

    // Bob's message cannot be deleted for everyone by Alice; deleted for her, it leaves both her machines.
    await row(laptop, 'Lunch at noon?').hover();
    await row(laptop, 'Lunch at noon?').getByTestId('action-delete').click();
    await expect(row(laptop, 'Lunch at noon?').getByTestId('delete-for-everyone')).toHaveCount(0);
    await row(laptop, 'Lunch at noon?').getByTestId('delete-for-me').click();
    await expect(row(laptop, 'Lunch at noon?')).toHaveCount(0);
    await expect(row(desk, 'Lunch at noon?')).toHaveCount(0);
    await expect(row(bob, 'Lunch at noon?')).toHaveCount(1);
    await h.shot(desk, 'deleted-for-me');

    // A draft written on the desktop waits in the laptop's box; pin and mute follow too.
    await desk.page.getByTestId('composer-input').fill('Half a thought, to finish later');
    await expect(
      laptop.page.locator('[data-testid="chat-item"][data-contact="Bob"]').getByTestId('chat-preview'),
    ).toHaveText('Draft: Half a thought, to finish later');
    await laptop.page.getByTestId('nav-contacts').click();
    await openChat(laptop, 'Bob');
    await expect(laptop.page.getByTestId('composer-input')).toHaveValue('Half a thought, to finish later');
    await h.shot(laptop, 'draft-from-desktop');
    await laptop.page.getByTestId('chat-menu').click();
    await laptop.page.getByTestId('chat-pin').click();
    await desk.page.getByTestId('chat-menu').click();
    await desk.page.locator('[data-testid="chat-mute"][data-for="8 hours"]').click();
    for (const m of [desk, laptop]) {
      await expect(m.page.getByTestId('chat-pinned')).toBeVisible();
      await expect(m.page.getByTestId('chat-muted')).toBeVisible();
    }
    await expect(bob.page.getByTestId('chat-pinned')).toHaveCount(0); // Bob learns nothing of it
    await h.shot(laptop, 'pinned-muted');
    // Sent from the laptop: the draft is gone on both machines.
    await laptop.page.getByTestId('composer-input').press('Enter');
    await expect(messages(bob, 'Half a thought, to finish later')).toHaveCount(1);
    await expect(desk.page.getByTestId('composer-input')).toHaveValue('');

    // Search across conversations, as typed; a result opens the conversation at that message.
    await bob.page.getByTestId('chat-search').fill('or lat');
    await expect(bob.page.getByTestId('search-result')).toHaveCount(1);
    await expect(bob.page.getByTestId('search-result').locator('mark')).toHaveText('Or'); // (case ignored)
    await h.shot(bob, 'search');
    await bob.page.getByTestId('search-result').click();
    await expect(row(bob, 'Lunch at noon?')).toHaveClass(/highlight/);
    await bob.page.getByTestId('chat-search').fill('nothing like this');
    await expect(bob.page.getByTestId('search-empty')).toBeVisible();
  } finally {
    await h.close();
  }
});
