/**
 * Opening a conversation with many unread messages: it opens at a "N new messages" line
 * before the first unread (loading back to it), not at the bottom; only what the person
 * scrolls past is marked read, and the rest stays unread until they reach it.
 */
import { expect, test } from '@playwright/test';
import type { MeowBridge } from '../shared/bridge.js';
import { Harness, PASSWORD, type Machine } from './harness.js';
import { aliceAndBob, chatItem, messages, openChat } from './steps.js';

const COUNT = 150; // more than one page (100)

async function unreadOf(m: Machine): Promise<number> {
  return m.page.evaluate(async () => {
    const meow = (window as unknown as { meow: MeowBridge }).meow;
    const r = await meow.invoke('conversations');
    if (!r.ok) throw new Error(r.error.message);
    return r.value[0]?.unread ?? 0;
  });
}

/** Bob sends `count` messages through the service ("unread 1"…). */
async function sendMany(bob: Machine, count: number): Promise<void> {
  await bob.page.evaluate(async (count) => {
    const meow = (window as unknown as { meow: MeowBridge }).meow;
    const contacts = await meow.invoke('contacts');
    if (!contacts.ok) throw new Error(contacts.error.message);
    for (let i = 1; i <= count; i++) {
      const r = await meow.invoke('send', contacts.value[0]!.id, `unread ${i}`);
      if (!r.ok) throw new Error(r.error.message);
    }
  }, count);
}

test('unread messages: a line before the first, read as scrolled past, not all at once', async () => {
  const h = new Harness('unread');
  try {
    const { alice, bob } = await aliceAndBob(h, { contacts: true });
    await alice.page.getByTestId('nav-contacts').click();

    await sendMany(bob, COUNT);
    await expect.poll(() => unreadOf(alice), { timeout: 120_000 }).toBe(COUNT);

    await openChat(alice, 'Bob');
    const line = alice.page.getByTestId('unread-line');
    await expect(line).toHaveText(`${COUNT} new messages`);
    await expect(line).toBeInViewport();
    await expect(messages(alice, 'unread 1')).toBeInViewport();
    await h.shot(alice, 'unread-line');
    // What is on screen is read; the rest is not.
    await expect.poll(() => unreadOf(alice)).toBeLessThan(COUNT);
    const left = await unreadOf(alice);
    expect(left).toBeGreaterThan(0);
    await expect(chatItem(alice, 'Bob')).toHaveAttribute('aria-label', /, \d+ unread/);

    // Scrolling down past a few: the line goes out of view, the jump button brings it back.
    await alice.page.getByTestId('message-list').evaluate((el) => (el.scrollTop += el.clientHeight));
    await expect.poll(() => unreadOf(alice)).toBeLessThan(left);
    await alice.page.getByTestId('jump-unread').click();
    await expect(line).toBeInViewport();
    // To the end: all read.
    await alice.page.getByTestId('message-list').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect(messages(alice, `unread ${COUNT}`)).toBeInViewport();
    await expect.poll(() => unreadOf(alice)).toBe(0);
  } finally {
    await h.close();
  }
});

test('unread messages: a conversation shown again (back to Chats) opens at the line, not at the bottom', async () => {
  const h = new Harness('unread-reshown');
  try {
    const { alice, bob } = await aliceAndBob(h, { contacts: true });
    // Alice's chat with Bob is open, then she goes to Devices while Bob writes.
    await openChat(alice, 'Bob');
    await expect(alice.page.getByTestId('message-list')).toBeVisible();
    await alice.page.getByTestId('nav-devices').click();
    await expect(alice.page.getByTestId('section-devices')).toBeVisible();

    await sendMany(bob, COUNT);
    await expect.poll(() => unreadOf(alice), { timeout: 120_000 }).toBe(COUNT);

    await alice.page.getByTestId('nav-chats').click();
    const line = alice.page.getByTestId('unread-line');
    await expect(line).toHaveText(`${COUNT} new messages`);
    await expect(line).toBeInViewport();
    await expect(messages(alice, 'unread 1')).toBeInViewport();
    // Only what is on screen is read.
    await expect.poll(() => unreadOf(alice)).toBeLessThan(COUNT);
    expect(await unreadOf(alice)).toBeGreaterThan(0);
    await expect(chatItem(alice, 'Bob')).toHaveAttribute('aria-label', /, \d+ unread/);
    // To the end: all read.
    await alice.page.getByTestId('message-list').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect(messages(alice, `unread ${COUNT}`)).toBeInViewport();
    await expect.poll(() => unreadOf(alice)).toBe(0);
  } finally {
    await h.close();
  }
});

test('unread messages: after a host restart and unlock, the open conversation opens at the line', async () => {
  const h = new Harness('unread-restart');
  try {
    const { hAlice, alice, bob } = await aliceAndBob(h, { contacts: true });
    await openChat(alice, 'Bob');
    await expect(alice.page.getByTestId('message-list')).toBeVisible();
    // Alice's host goes down with her chat with Bob open; Bob writes meanwhile.
    await hAlice.stop();
    await expect(alice.page.getByTestId('host-banner')).toBeVisible();
    await sendMany(bob, COUNT);
    await h.host('alice');
    await expect(alice.page.getByTestId('unlock-form')).toBeVisible();
    await alice.page.getByTestId('unlock-password').fill(PASSWORD);
    await alice.page.getByTestId('unlock-submit').click();
    await expect(alice.page.getByTestId('nav-chats')).toBeVisible();
    // The backlog arrives with the chat on screen: a line before it, not read by arriving.
    const line = alice.page.getByTestId('unread-line');
    await expect(line).toHaveText(`${COUNT} new messages`, { timeout: 120_000 });
    await expect(line).toBeInViewport();
    await expect(messages(alice, 'unread 1')).toBeInViewport();
    await expect.poll(() => unreadOf(alice)).toBeLessThan(COUNT);
    expect(await unreadOf(alice)).toBeGreaterThan(0);
    await alice.page.getByTestId('message-list').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect(messages(alice, `unread ${COUNT}`)).toBeInViewport();
    await expect.poll(() => unreadOf(alice)).toBe(0);
  } finally {
    await h.close();
  }
});
