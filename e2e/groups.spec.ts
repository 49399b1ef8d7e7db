/**
 * Groups in the app (docs/groups.md): Alice (Desktop, and Laptop linked to it), Bob and Carol
 * — Bob and Carol are Alice's contacts, not each other's. Alice makes a group, everyone
 * chats, the laptop shows the same group and writes through the desktop, Carol is removed
 * and sees nothing after, and the laptop shows the history of changes.
 */
import { expect, test, type Locator } from '@playwright/test';
import { Harness, type Machine } from './harness.js';
import {
  acceptByPaste,
  createIdentity,
  invite,
  openPairingOnExisting,
  sameSafetyCode,
  startPairingOnNew,
} from './steps.js';

const groupMessage = (m: Machine, text: string): Locator =>
  m.page.getByTestId('group-message').filter({ hasText: text });

async function openGroup(m: Machine, name: string) {
  await m.page.getByTestId('nav-chats').click();
  await m.page.getByTestId('group-item').filter({ hasText: name }).click();
  await expect(m.page.getByTestId('group-name')).toHaveText(name);
}

async function sendToGroup(m: Machine, text: string) {
  const box = m.page.getByTestId('group-composer');
  await box.fill(text);
  await box.press('Enter');
  await expect(box).toHaveValue('');
}

test('a group of Alice (two machines), Bob and Carol: chat, remove Carol, the same history everywhere', async () => {
  test.setTimeout(420_000);
  const h = new Harness('groups');
  try {
    const relay = await h.relay();
    const [hDesk, hLaptop, hBob, hCarol] = await Promise.all([
      h.host('desktop'),
      h.host('laptop'),
      h.host('bob'),
      h.host('carol'),
    ]);
    const browser = await h.browser();
    const desk = await h.open(browser, hDesk);
    const laptop = await h.open(browser, hLaptop);
    const bob = await h.open(browser, hBob);
    const carol = await h.open(browser, hCarol);
    await createIdentity(desk, { name: 'Alice', device: 'Desktop', server: relay.url });
    await createIdentity(bob, { name: 'Bob', device: 'Bob PC', server: relay.url });
    await createIdentity(carol, { name: 'Carol', device: 'Carol PC', server: relay.url });
    await acceptByPaste(bob, await invite(desk, 'Bob'));
    await desk.page.getByTestId('invite-done').click();
    await acceptByPaste(carol, await invite(desk, 'Carol'));

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

    // New group, from Alice's contacts.
    await desk.page.getByTestId('nav-chats').click();
    await desk.page.getByTestId('new-group').click();
    await desk.page.getByTestId('new-group-name').fill('Family');
    const form = desk.page.getByTestId('new-group-form');
    await form.getByRole('checkbox', { name: 'Bob' }).check();
    await form.getByRole('checkbox', { name: 'Carol' }).check();
    await desk.page.getByTestId('new-group-create').click();
    await expect(desk.page.getByTestId('group-name')).toHaveText('Family');
    await sendToGroup(desk, 'hello family');
    await h.shot(desk, 'group-desktop');

    for (const m of [bob, carol, laptop]) {
      await openGroup(m, 'Family');
      await expect(groupMessage(m, 'hello family')).toHaveCount(1, { timeout: 60_000 });
    }
    // Written on the laptop, sent by the desktop: one Alice to Bob and Carol.
    await sendToGroup(laptop, 'from the laptop');
    await sendToGroup(carol, 'hi from Carol');
    for (const m of [bob, desk, laptop])
      await expect(groupMessage(m, 'hi from Carol')).toHaveCount(1, { timeout: 60_000 });
    for (const m of [bob, carol, desk])
      await expect(groupMessage(m, 'from the laptop')).toHaveCount(1, { timeout: 60_000 });
    await expect(groupMessage(bob, 'from the laptop')).toContainText('Alice');
    await h.shot(bob, 'group-bob');

    // Alice removes Carol from her desktop; Carol sees she is out, and nothing after.
    await desk.page.getByTestId('group-info-toggle').click();
    await desk.page
      .getByTestId('group-member')
      .filter({ hasText: 'Carol' })
      .getByTestId('group-remove')
      .click();
    await expect(desk.page.getByTestId('group-member')).toHaveCount(2);
    await expect(carol.page.getByTestId('group-not-member')).toBeVisible({ timeout: 60_000 });
    await desk.page.getByTestId('group-info-toggle').click();
    await sendToGroup(desk, 'after Carol left');
    await expect(groupMessage(bob, 'after Carol left')).toHaveCount(1, { timeout: 60_000 });
    await expect(groupMessage(laptop, 'after Carol left')).toHaveCount(1, { timeout: 60_000 });
    await expect(groupMessage(carol, 'after Carol left')).toHaveCount(0);

    // The laptop shows the same members and history.
    await laptop.page.getByTestId('group-info-toggle').click();
    await expect(laptop.page.getByTestId('group-member')).toHaveCount(2);
    await expect(laptop.page.getByTestId('group-history')).toContainText('Alice created the group');
    await expect(laptop.page.getByTestId('group-history')).toContainText('Alice removed Carol');
    await h.shot(laptop, 'group-info-laptop');
  } finally {
    await h.close();
  }
});
