/**
 * Hostile names and text, as a new user met them: a name of only invisible characters is
 * refused with a sentence (own name, a contact's name); a right-to-left override in a
 * message or a name is shown as a mark, never applied ("\u202Efdp.exe" must not read
 * "exe.pdf").
 */
import { expect, test } from '@playwright/test';
import { errorMessage } from '../shared/errors.js';
import { Harness, PASSWORD } from './harness.js';
import { acceptByPaste, aliceAndBob, createIdentity, invite, messages, openChat, send } from './steps.js';

test('invisible names are refused; direction overrides show as marks', async () => {
  const h = new Harness('names');
  try {
    const { relay, alice, bob } = await aliceAndBob(h, { identities: false });

    // Alice first tries a name of two zero-width spaces.
    await alice.page.getByTestId('onboarding-create').click();
    await alice.page.getByTestId('nickname').fill('\u200b\u200b');
    await alice.page.getByTestId('password').fill(PASSWORD);
    await alice.page.getByTestId('password-repeat').fill(PASSWORD);
    await alice.page.getByTestId('server-url').fill(relay.url);
    await alice.page.getByTestId('create-submit').click();
    await expect(alice.page.getByRole('alert')).toHaveText(errorMessage('EMPTY_NAME', {}));
    await h.shot(alice, 'invisible-name-refused');
    await alice.page.getByTestId('nickname').fill('Alice');
    await alice.page.getByTestId('create-submit').click();
    await expect(alice.page.getByTestId('section-chats')).toBeVisible();
    // Focus goes to the section that opened (not left on the page), and follows Ctrl+2.
    await expect(alice.page.getByTestId('section-chats')).toBeFocused();
    await alice.page.keyboard.press('Control+2');
    await expect(alice.page.getByTestId('section-contacts')).toBeFocused();
    await expect(alice.page.getByTestId('section-contacts')).toHaveAttribute('aria-label', 'Contacts');
    await expect(alice.page.locator('link[rel="icon"]')).toHaveCount(1);

    await createIdentity(bob, { name: 'Bob', device: 'Bob PC', server: relay.url });
    await acceptByPaste(bob, await invite(alice, 'Bob'));

    // Bob's message carries a right-to-left override: Alice sees the mark, in order.
    await openChat(bob, 'Alice');
    await send(bob, '\u202efdp.exe');
    await openChat(alice, 'Bob');
    const text = alice.page.getByTestId('message-text').filter({ hasText: 'fdp.exe' });
    await expect(text).toBeVisible({ timeout: 60_000 });
    await expect(text.locator('abbr.direction-mark')).toHaveText('⟨RLO⟩');
    expect(await text.evaluate((el) => el.textContent)).toBe('⟨RLO⟩fdp.exe');
    // Who wrote it, for screen readers.
    await expect(
      alice.page.getByTestId('message').filter({ has: text }).getByTestId('message-author'),
    ).toHaveText('Bob:');
    await h.shot(alice, 'override-shown');

    // The composer grows with what is written: a second (and third) line shows whole.
    const box = bob.page.getByTestId('composer-input');
    await box.fill('first line\nsecond line\nthird line');
    expect(await box.evaluate((el) => el.scrollHeight <= el.clientHeight + 1)).toBe(true);
    await box.fill('');

    // Emoji: Bob picks one by searching; Alice's page draws it with the bundled emoji font.
    await bob.page.getByTestId('emoji-toggle').click();
    await bob.page.getByTestId('emoji-search').fill('cat');
    await h.shot(bob, 'emoji-picker');
    await bob.page.getByTestId('emoji-search').press('Enter');
    await expect(bob.page.getByTestId('composer-input')).toHaveValue('🐱');
    await bob.page.getByTestId('composer-input').press('Enter');
    await expect(messages(alice, '🐱')).toBeVisible({ timeout: 60_000 });
    const faces = await alice.page.evaluate(
      async () => (await document.fonts.load('16px "Noto Emoji"', '🐱')).length,
    );
    expect(faces).toBeGreaterThan(0);
    const font = await messages(alice, '🐱')
      .locator('.emoji')
      .evaluate((el) => getComputedStyle(el).fontFamily);
    expect(font).toContain('Noto Emoji');
    await h.shot(alice, 'emoji');

    // Renaming Bob to a zero-width space is refused; a name with an override shows the mark.
    await alice.page.getByTestId('conversation-name').click();
    const rename = alice.page.getByTestId('contact-rename');
    await rename.fill('\u200b');
    await rename.press('Enter');
    await expect(alice.page.getByTestId('contact-detail').getByRole('alert')).toHaveText(
      errorMessage('EMPTY_NAME', {}),
    );
    const spoof = 'Bob \u202egnp.exe\u202c';
    await rename.fill(spoof);
    await rename.press('Enter');
    await expect(alice.page.getByTestId('contact-name').locator('abbr.direction-mark')).toHaveText([
      '⟨RLO⟩',
      '⟨PDF⟩',
    ]);
    await h.shot(alice, 'name-with-override');

    // Issue 24, finding 8: where markup cannot isolate the name (the composer's placeholder and
    // label), it carries the marks too; so do the search results' rows.
    await openChat(alice, spoof);
    const composer = alice.page.getByTestId('composer-input');
    await expect(composer).toHaveAttribute('placeholder', 'Message Bob ⟨RLO⟩gnp.exe⟨PDF⟩');
    await expect(composer).toHaveAttribute('aria-label', 'Message Bob ⟨RLO⟩gnp.exe⟨PDF⟩');
    await alice.page.getByTestId('chat-search').fill('fdp');
    const row = alice.page.getByTestId('search-result').locator('.chat-item-name');
    await expect(row).toHaveText('Bob ⟨RLO⟩gnp.exe⟨PDF⟩');
    await expect(row.locator('abbr.direction-mark')).toHaveCount(2);
    await alice.page.getByTestId('chat-search').fill('');

    // A person who names themselves so: the Accept panel's name field shows the marks.
    await bob.page.getByTestId('nav-settings').click();
    await bob.page.getByTestId('profile-name').fill('Carol \u202egnp.exe\u202c');
    await bob.page.getByTestId('profile-save').click();
    await expect(bob.page.getByTestId('profile-saved')).toBeVisible();
    const again = await invite(bob, 'Alice again');
    await alice.page.getByTestId('nav-contacts').click();
    await alice.page.getByTestId('contacts-accept').click();
    await alice.page.getByTestId('tab-paste').click();
    await alice.page.getByTestId('link-paste').fill(again);
    await alice.page.getByTestId('link-submit').click();
    await expect(alice.page.getByTestId('accept-name')).toHaveAttribute(
      'placeholder',
      'Carol ⟨RLO⟩gnp.exe⟨PDF⟩',
    );
    await alice.page.getByTestId('accept-back').click();
    await alice.page.getByTestId('accept-cancel').click();
    await openChat(alice, spoof);
    await alice.page.getByTestId('conversation-name').click();

    // A long name ends in an ellipsis in the conversation's header, within the window.
    await rename.fill('Bartholomew Maximilian Alexander Featherstonehaugh-Cholmondeley');
    await rename.press('Enter');
    await openChat(alice, 'Bartholomew Maximilian Alexander Featherstonehaugh-Cholmondeley');
    await alice.page.setViewportSize({ width: 720, height: 780 });
    const fits = await alice.page.getByTestId('conversation-name').evaluate((el) => {
      const head = el.closest('header')!;
      return { cut: el.scrollWidth > el.clientWidth, headFits: head.scrollWidth <= head.clientWidth };
    });
    expect(fits).toEqual({ cut: true, headFits: true });
    await h.shot(alice, 'long-name');

    // Issue 24, finding 4: inviting under a name a contact already has warns first, as
    // Accept does on the other side; inviting anyway still works.
    const long = 'Bartholomew Maximilian Alexander Featherstonehaugh-Cholmondeley';
    await alice.page.getByTestId('nav-contacts').click();
    await alice.page.getByTestId('contacts-invite').click();
    await alice.page.getByTestId('invite-name').fill(long.toUpperCase());
    await expect(alice.page.getByTestId('invite-duplicate')).toContainText(
      `You already have a contact named ${long}`,
    );
    await expect(alice.page.getByTestId('invite-create')).toHaveText('Invite anyway');
    await h.shot(alice, 'invite-duplicate');
    await alice.page.getByTestId('invite-name').fill('Someone new');
    await expect(alice.page.getByTestId('invite-duplicate')).toHaveCount(0);
    await expect(alice.page.getByTestId('invite-create')).toHaveText('Create invitation');
    await alice.page.getByTestId('invite-name').fill(long);
    await alice.page.getByTestId('invite-create').click();
    await expect(alice.page.getByTestId('invite-qr')).toBeVisible();
  } finally {
    await h.close();
  }
});
