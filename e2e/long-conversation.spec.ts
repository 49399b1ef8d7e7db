/**
 * A long conversation stays light: the list is virtualised (a few dozen rows in the DOM
 * whatever the length) and paged from the service as the person scrolls back.
 */
import { expect, test } from '@playwright/test';
import type { MeowBridge } from '../shared/bridge.js';
import { Harness } from './harness.js';
import { aliceAndBob, messages, openChat } from './steps.js';

const COUNT = Number(process.env['MEOW_E2E_LONG'] ?? 2000);

test(`a conversation of ${COUNT} messages: few rows in the page, older pages as you scroll up`, async () => {
  test.setTimeout(120_000 + COUNT * 100);
  const h = new Harness('long-conversation');
  try {
    const { hBob, alice, bob } = await aliceAndBob(h, { contacts: true });
    await openChat(bob, 'Alice');
    await bob.page.getByTestId('composer-input').fill('hi');
    await bob.page.getByTestId('composer-input').press('Enter');
    await openChat(alice, 'Bob');
    await expect(messages(alice, 'hi')).toHaveCount(1);
    await alice.page.getByTestId('nav-contacts').click();
    // Bob goes away: what follows measures Alice's side only.
    await bob.context.close();
    await hBob.stop();

    // Alice writes a long history through the bridge, as fast as the service takes it.
    const started = Date.now();
    await alice.page.evaluate(async (count) => {
      const meow = (window as unknown as { meow: MeowBridge }).meow;
      const contacts = await meow.invoke('contacts');
      if (!contacts.ok) throw new Error(contacts.error.message);
      const bobId = contacts.value[0]!.id;
      // Several calls in flight, in order of writing (each call waits for its message to leave).
      const inFlight = new Set<Promise<void>>();
      for (let i = 1; i <= count; i++) {
        const p: Promise<void> = meow.invoke('send', bobId, `message ${i}`).then((r) => {
          inFlight.delete(p);
          if (!r.ok) throw new Error(r.error.message);
        });
        inFlight.add(p);
        if (inFlight.size >= 32) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    }, COUNT);
    console.log(`${COUNT} messages written in ${Date.now() - started} ms`);

    const opened = Date.now();
    await openChat(alice, 'Bob');
    await expect(messages(alice, `message ${COUNT}`)).toBeVisible();
    console.log(`conversation shown in ${Date.now() - opened} ms`);
    const list = alice.page.getByTestId('message-list');
    expect(await alice.page.getByTestId('message').count()).toBeLessThan(60);
    await h.shot(alice, 'long-conversation');

    // Scroll back to the very first message: page after page comes in, the DOM stays small.
    const back = Date.now();
    while (!(await messages(alice, 'message 1').isVisible())) {
      const before = Number(await list.getAttribute('data-count'));
      await list.evaluate((el) => el.scrollTo({ top: 0 }));
      if (before < COUNT + 1) await expect(list).not.toHaveAttribute('data-count', String(before));
    }
    console.log(`scrolled back through ${COUNT} messages in ${Date.now() - back} ms`);
    await expect(list).toHaveAttribute('data-count', String(COUNT + 1));
    expect(await alice.page.getByTestId('message').count()).toBeLessThan(60);
    await expect(messages(alice, 'hi')).toBeVisible();
    await h.shot(alice, 'long-conversation-top');
  } finally {
    await h.close();
  }
});
