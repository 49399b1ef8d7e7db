/**
 * Alice's two computers. Machine 1 ("Desktop") has her identity, her contact Bob and their
 * history; machine 2 ("Laptop") is new and links to it — by the webcam reading the QR code
 * (Chromium's fake camera playing the code the laptop shows), or by pasting the link.
 */
import { expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { Harness, PASSWORD } from './harness.js';
import {
  acceptByPaste,
  chatItem,
  createIdentity,
  device,
  invite,
  messages,
  openChat,
  openPairingOnExisting,
  sameSafetyCode,
  send,
  startPairingOnNew,
} from './steps.js';
import { y4mFromLuma } from './y4m.js';

test('pairing by webcam QR; then the chat follows Alice across her machines', async () => {
  test.setTimeout(420_000); // the longest story: pairing, chatting, then losing the laptop
  const h = new Harness('webcam-pairing');
  try {
    const relay = await h.relay();
    const [hDesk, hLaptop, hBob] = await Promise.all([h.host('desktop'), h.host('laptop'), h.host('bob')]);
    // The camera shows white until the laptop's QR code is known (same frame size).
    const camera = h.path('camera.y4m');
    writeFileSync(camera, y4mFromLuma([255], 1, 1));
    const withCamera = await h.browser({ camera });
    const plain = await h.browser();
    const desk = await h.open(withCamera, hDesk);
    const laptop = await h.open(plain, hLaptop);
    const bob = await h.open(plain, hBob, { dark: true });

    // Machine 1: Alice creates her identity.
    await expect(desk.page.getByTestId('onboarding-create')).toBeVisible();
    await h.shot(desk, 'onboarding');
    await desk.page.getByTestId('onboarding-create').click();
    await h.shot(desk, 'create-identity');
    await desk.page.getByTestId('create-form').getByRole('button', { name: 'Back' }).click();
    await createIdentity(desk, { name: 'Alice', device: 'Desktop', server: relay.url });
    await h.shot(desk, 'chats-empty');
    await desk.page.getByTestId('start-invite').click();
    await expect(desk.page.getByTestId('invite-name')).toBeFocused();
    await createIdentity(bob, { name: 'Bob', device: 'Bob PC', server: relay.url });

    // Alice invites Bob; Bob accepts by pasting the link.
    const link = await invite(desk, 'Bob');
    await h.shot(desk, 'invite');
    await acceptByPaste(bob, link);
    await h.shot(bob, 'contact');
    await openChat(bob, 'Alice');
    await send(bob, 'Hi Alice, Bob here');
    await openChat(desk, 'Bob');
    await expect(messages(desk, 'Hi Alice, Bob here')).toHaveCount(1);
    await send(desk, 'Hello Bob!');
    await expect(messages(bob, 'Hello Bob!')).toHaveCount(1);
    await expect(messages(desk, 'Hello Bob!')).toHaveAttribute('data-status', 'read');
    await h.shot(desk, 'conversation');

    // Machine 2: "link to my other computer" → the QR code.
    await expect(laptop.page.getByTestId('onboarding-link')).toBeVisible();
    await startPairingOnNew(laptop, { device: 'Laptop', server: relay.url });
    await h.shot(laptop, 'pairing-qr', 'pairing');
    await h.cameraFromQr(laptop.page, 'pair-qr', camera);

    // Machine 1 scans it with the webcam.
    await openPairingOnExisting(desk);
    await h.shot(desk, 'pairing-start');
    await desk.page.getByTestId('tab-scan').click();
    await sameSafetyCode(desk, laptop);
    await h.shot(desk, 'pairing-code');
    await h.shot(laptop, 'pairing-code');
    await desk.page.getByTestId('pair-confirm').click();
    await laptop.page.getByTestId('pair-confirm').click();
    await expect(laptop.page.getByTestId('pair-done')).toBeVisible({ timeout: 60_000 });
    await expect(desk.page.getByTestId('pair-done')).toBeVisible();
    // The count says what it counts.
    await expect(laptop.page.getByTestId('progress')).toContainText(
      /Copied \d+ of \d+ items \(contacts, messages, settings\)/,
    );
    await h.shot(laptop, 'pairing-done');
    await h.shot(desk, 'pairing-done');
    await laptop.page.getByTestId('pair-finish').click();

    // Machine 2 now has Alice's profile, her contact and their history.
    await openChat(laptop, 'Bob');
    await expect(messages(laptop, 'Hi Alice, Bob here')).toHaveCount(1);
    await expect(messages(laptop, 'Hello Bob!')).toHaveCount(1);
    await laptop.page.getByTestId('nav-settings').click();
    await expect(laptop.page.getByTestId('profile-name')).toHaveValue('Alice');
    await h.shot(laptop, 'settings');
    await laptop.page.getByTestId('nav-devices').click();
    await expect(device(laptop, 'Desktop')).toBeVisible();
    await h.shot(laptop, 'devices');

    // Machine 1 is locked: what Alice writes on the laptop waits for it, and says so.
    await desk.page.getByTestId('nav-settings').click();
    await h.shot(desk, 'settings');
    await desk.page.getByTestId('lock').click();
    await expect(desk.page.getByTestId('unlock-form')).toBeVisible();
    await h.shot(desk, 'unlock');
    await openChat(laptop, 'Bob');
    await send(laptop, 'Written on my laptop');
    const fromLaptop = messages(laptop, 'Written on my laptop');
    await expect(fromLaptop.getByTestId('message-status')).toHaveText(/Waiting for Desktop/);
    await h.shot(laptop, 'waiting-for-desktop');

    // Machine 1 opens again (after a typo) and forwards it: sent, and Bob gets it once.
    await desk.page.getByTestId('unlock-password').fill('not the password');
    await desk.page.getByTestId('unlock-submit').click();
    await expect(desk.page.getByTestId('error')).toHaveText('Wrong password.');
    await desk.page.getByTestId('unlock-password').fill(PASSWORD);
    await desk.page.getByTestId('unlock-submit').click();
    await expect(desk.page.getByTestId('section-settings')).toBeVisible();
    await expect(fromLaptop).toHaveAttribute('data-status', /^(sent|delivered|read)$/);
    await expect(messages(bob, 'Written on my laptop')).toHaveCount(1);

    // Bob's reply reaches both of Alice's machines; her message is read.
    await send(bob, 'Got it, one Alice as always');
    await expect(messages(laptop, 'Got it, one Alice as always')).toHaveCount(1);
    await openChat(desk, 'Bob');
    await expect(messages(desk, 'Got it, one Alice as always')).toHaveCount(1);
    await expect(fromLaptop).toHaveAttribute('data-status', 'read');
    await expect(messages(desk, 'Written on my laptop')).toHaveCount(1);
    await expect(messages(bob, 'Written on my laptop')).toHaveCount(1);
    await h.shot(laptop, 'conversation');
    await h.shot(desk, 'conversation-after', 'chat');
    await h.shot(bob, 'conversation');
    await expect(chatItem(laptop, 'Bob').getByTestId('chat-unread')).toHaveCount(0);

    await desk.page.getByTestId('nav-devices').click();
    await expect(device(desk, 'Laptop')).toBeVisible();
    await expect(device(desk, 'Desktop').getByTestId('device-primary-for')).toHaveText(/1 contact/);
    // Which device is primary, said on it.
    await expect(device(desk, 'Desktop').getByTestId('device-primary-tag')).toHaveText('primary');
    await expect(device(desk, 'Laptop').getByTestId('device-primary-tag')).toHaveCount(0);
    await h.shot(desk, 'devices', 'devices');

    // The laptop takes Bob over, then is unlinked (say, stolen) with Bob's keys: the desktop
    // cannot reach Bob any more, says so in the conversation, and invites him again in one step.
    await laptop.page.getByTestId('nav-devices').click();
    await laptop.page.getByTestId('make-primary').click();
    await expect(laptop.page.getByTestId('make-primary-result')).toBeVisible();
    await expect(device(desk, 'Laptop').getByTestId('device-primary-for')).toHaveText(/1 contact/);
    // (until the laptop confirms, unlinking it would leave Bob's keys with the desktop)
    await expect(device(desk, 'Laptop').getByTestId('device-handing-over')).toHaveCount(0);
    await device(desk, 'Laptop').getByTestId('device-unlink').click();
    await desk.page.getByTestId('dialog-confirm').click();
    await expect(desk.page.getByTestId('dialog-confirm')).toHaveText('Unlink anyway');
    await desk.page.getByTestId('dialog-confirm').click();
    await expect(device(desk, 'Laptop')).toHaveCount(0);
    await desk.page.getByTestId('nav-chats').click();
    await chatItem(desk, 'Bob').click();
    await expect(desk.page.getByTestId('reinvite')).toContainText('was unlinked');
    await expect(desk.page.getByTestId('composer-input')).toHaveCount(0);
    await h.shot(desk, 'contact-lost');
    await desk.page.getByTestId('reinvite-create').click();
    const again = await desk.page.getByTestId('invite-link').inputValue();
    await h.shot(desk, 'invite-again');
    await acceptByPaste(bob, again, 'Alice (new)');
    await expect(desk.page.getByTestId('reinvite')).toHaveCount(0);
    await send(desk, 'Back again, Bob');
    await bob.page.getByTestId('nav-chats').click();
    await chatItem(bob, 'Alice (new)').click();
    await expect(messages(bob, 'Back again, Bob')).toHaveCount(1);
    await h.shot(bob, 'conversation-new-alice');
    await expect(messages(desk, 'Hello Bob!')).toHaveCount(1); // the conversation was kept
    await h.shot(desk, 'conversation-reinvited');
  } finally {
    await h.close();
  }
});

test('pairing by pasting the link; a used link is refused; unlinking machine 2', async () => {
  const h = new Harness('paste-pairing');
  try {
    const relay = await h.relay();
    const [hDesk, hLaptop] = await Promise.all([h.host('desktop'), h.host('laptop')]);
    const browser = await h.browser();
    const desk = await h.open(browser, hDesk);
    const laptop = await h.open(browser, hLaptop);

    await createIdentity(desk, { name: 'Alice', device: 'Desktop', server: relay.url });
    // Keyboard: Ctrl+4 is Settings; "remember me" says plainly that a browser has no keychain.
    await desk.page.keyboard.press('Control+4');
    await expect(desk.page.getByTestId('section-settings')).toBeVisible();
    await expect(desk.page.getByTestId('no-keychain')).toBeVisible();
    await expect(desk.page.getByTestId('remember')).toBeHidden();
    await h.shot(desk, 'settings-no-keychain');
    await desk.page.keyboard.press('Control+1');
    await expect(desk.page.getByTestId('section-chats')).toBeVisible();
    await laptop.page.getByTestId('onboarding-link').click();
    await h.shot(laptop, 'link-form');
    await laptop.page.getByTestId('link-form').getByRole('button', { name: 'Back' }).click();
    const link = await startPairingOnNew(laptop, { device: 'Laptop', server: relay.url });
    expect(link).toMatch(/^meow:/);

    await openPairingOnExisting(desk);
    // This browser has no camera: the scanner says so and points to pasting.
    await desk.page.getByTestId('tab-scan').click();
    await expect(desk.page.getByTestId('camera-error')).toBeVisible();
    await h.shot(desk, 'pairing-no-camera');
    await desk.page.getByTestId('tab-paste').click();
    await desk.page.getByTestId('link-paste').fill(link);
    await h.shot(desk, 'pairing-paste');
    await desk.page.getByTestId('link-submit').click();
    await sameSafetyCode(desk, laptop);
    // This time the new machine confirms first.
    await laptop.page.getByTestId('pair-confirm').click();
    await expect(laptop.page.getByTestId('pair-waiting-other')).toBeVisible();
    await h.shot(laptop, 'pairing-waiting-other');
    await desk.page.getByTestId('pair-confirm').click();
    await expect(desk.page.getByTestId('pair-done')).toBeVisible({ timeout: 60_000 });
    await expect(laptop.page.getByTestId('pair-done')).toBeVisible({ timeout: 60_000 });
    await laptop.page.getByTestId('pair-finish').click();
    await expect(laptop.page.getByTestId('section-chats')).toBeVisible();

    // The same link again: refused, in words.
    await desk.page.getByTestId('pair-close').click();
    await desk.page.getByTestId('devices-link').click();
    await desk.page.getByTestId('tab-paste').click();
    await desk.page.getByTestId('link-paste').fill(link);
    await desk.page.getByTestId('link-submit').click();
    await expect(desk.page.getByTestId('pair-error')).toHaveText(/already (used|paired)/);
    await h.shot(desk, 'pairing-link-used');
    // Not a link at all.
    await desk.page.getByTestId('link-paste').fill('meow://pair?garbage');
    await desk.page.getByTestId('link-submit').click();
    await expect(desk.page.getByTestId('pair-error')).toHaveText(/cannot be used|not a device pairing link/);
    await desk.page.getByTestId('pair-close').click();

    // Unlink the laptop from the desktop.
    await expect(device(desk, 'Laptop')).toBeVisible();
    await device(desk, 'Laptop').getByTestId('device-unlink').click();
    await expect(desk.page.getByTestId('unlink-dialog')).toBeVisible();
    await h.shot(desk, 'unlink-confirm');
    await desk.page.getByTestId('unlink-dialog').getByTestId('dialog-confirm').click();
    await expect(device(desk, 'Laptop')).toHaveCount(0);
    await expect(device(desk, 'Desktop')).toBeVisible();
    await h.shot(desk, 'devices-after-unlink');
    await expect(laptop.page.getByTestId('unlinked-screen')).toBeVisible({ timeout: 60_000 });
    await expect(laptop.page.getByTestId('unlinked-text')).toContainText('Desktop');
    await h.shot(laptop, 'unlinked');
    // Not a dead end: the unlinked laptop starts over from its first screen, one button away.
    await laptop.page.getByTestId('start-over').click();
    await laptop.page.getByTestId('start-over-dialog').getByTestId('dialog-confirm').click();
    await expect(laptop.page.getByTestId('onboarding-link')).toBeVisible();
  } finally {
    await h.close();
  }
});
