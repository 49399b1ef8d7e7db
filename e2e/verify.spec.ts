/**
 * Alice and Bob compare their safety number: both screens show the same 60 digits and QR
 * code; a number one digit off is refused in words; Bob's webcam (Chromium's fake camera
 * playing Alice's code) reads Alice's QR code and Bob's side marks her verified — Alice's
 * side does not, until she says the numbers match herself.
 */
import { expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { errorMessage } from '../shared/errors.js';
import { Harness, type Machine } from './harness.js';
import { acceptByPaste, createIdentity, invite, openChat, send } from './steps.js';
import { y4mFromLuma } from './y4m.js';

function contactItem(m: Machine, name: string) {
  return m.page.locator(`[data-testid="contact-item"][data-contact="${name}"]`);
}

async function openVerify(m: Machine, name: string) {
  await m.page.getByTestId('nav-contacts').click();
  await contactItem(m, name).click();
  await m.page.getByTestId('contact-verify').click();
  await expect(m.page.getByTestId('verify-panel')).toBeVisible();
}

test('verifying a contact: same safety number, a wrong code refused, scanned by webcam', async () => {
  const h = new Harness('verify-contact');
  try {
    const relay = await h.relay();
    const [hAlice, hBob] = await Promise.all([h.host('alice'), h.host('bob')]);
    // Bob's camera shows white until Alice's code is on her screen.
    const camera = h.path('camera.y4m');
    writeFileSync(camera, y4mFromLuma([255], 1, 1));
    const alice = await h.open(await h.browser(), hAlice);
    const bob = await h.open(await h.browser({ camera }), hBob, { dark: true });
    await createIdentity(alice, { name: 'Alice', device: 'Desktop', server: relay.url });
    await createIdentity(bob, { name: 'Bob', device: 'Bob PC', server: relay.url });

    // Alice invites Bob; before he answers there is no number to compare yet.
    const link = await invite(alice, 'Bob');
    await alice.page.getByTestId('invite-done').click();
    await alice.page.getByTestId('contact-verify').click();
    await expect(alice.page.getByTestId('verify-error')).toHaveText(
      errorMessage('CONTACT_NOT_READY', { contact: 'Bob' }),
    );
    await h.shot(alice, 'verify-not-ready');

    // Bob accepts; both open the contact's Verify panel and see the same number.
    await acceptByPaste(bob, link);
    await h.shot(bob, 'contact-not-verified');
    await bob.page.getByTestId('contact-verify').click();
    const numberBob = bob.page.getByTestId('safety-number');
    const numberAlice = alice.page.getByTestId('safety-number');
    await expect(numberBob).toBeVisible();
    // Alice's panel fills in once Bob's answer reaches her.
    await expect(numberAlice).toBeVisible({ timeout: 60_000 });
    await expect(alice.page.getByTestId('verify-error')).toHaveCount(0);
    const number = (await numberBob.getAttribute('data-number')) ?? '';
    expect(number).toMatch(/^\d{5}( \d{5}){11}$/);
    await expect(numberAlice).toHaveAttribute('data-number', number);
    // What a person selects and copies is the 60 digits.
    expect((await numberAlice.innerText()).replace(/\s+/g, '')).toBe(number.replace(/ /g, ''));
    await expect(alice.page.getByTestId('verify-state')).toHaveAttribute('data-verified', 'false');
    await h.shot(alice, 'verify-panel');
    await h.shot(bob, 'verify-panel');

    // A number one digit off (typed or pasted) is refused, with the catalogue's sentence.
    await bob.page.getByTestId('verify-scan').click();
    await expect(bob.page.getByTestId('qr-scanner')).toHaveAttribute('data-live', 'true');
    await h.shot(bob, 'verify-camera');
    await bob.page.getByTestId('verify-tab-type').click();
    const digits = number.replace(/ /g, '');
    const wrong = digits.slice(0, 30) + String((Number(digits[30]) + 1) % 10) + digits.slice(31);
    await bob.page.getByTestId('verify-typed').fill(wrong);
    await bob.page.getByTestId('verify-typed-submit').click();
    await expect(bob.page.getByTestId('verify-error')).toHaveText(
      errorMessage('SAFETY_MISMATCH', { contact: 'Alice' }),
    );
    await expect(bob.page.getByTestId('verify-state')).toHaveAttribute('data-verified', 'false');
    await h.shot(bob, 'verify-wrong-code');

    // Bob's webcam reads the QR code on Alice's screen: verified.
    await h.cameraFromQr(alice.page, 'safety-qr', camera);
    await bob.page.getByTestId('verify-tab-camera').click();
    await expect(bob.page.getByTestId('verify-state')).toHaveAttribute('data-verified', 'true');
    await expect(bob.page.getByTestId('verify-error')).toHaveCount(0);
    await expect(bob.page.getByTestId('verify-done')).toHaveText('The code you scanned matches.');
    await expect(contactItem(bob, 'Alice').getByTestId('verified-badge')).toBeVisible();
    await h.shot(bob, 'verify-verified');
    await bob.page.getByTestId('verify-close').click();
    await expect(bob.page.getByTestId('contact-verified')).toHaveAttribute('data-verified', 'true');
    await h.shot(bob, 'contact-verified');

    // The badge is Bob's alone: in his conversation header, not on Alice's side.
    await openChat(bob, 'Alice');
    await send(bob, 'Our numbers match');
    await expect(bob.page.getByTestId('conversation').getByTestId('verified-badge')).toBeVisible();
    await expect(bob.page.getByTestId('conversation').getByRole('img', { name: 'Verified' })).toBeVisible();
    await h.shot(bob, 'conversation-verified');
    await openChat(alice, 'Bob');
    await expect(alice.page.getByTestId('conversation').getByTestId('verified-badge')).toHaveCount(0);
    await alice.page.getByTestId('nav-contacts').click();
    await expect(contactItem(alice, 'Bob').getByTestId('verified-badge')).toHaveCount(0);
    await contactItem(alice, 'Bob').click();
    await expect(alice.page.getByTestId('contact-verified')).toHaveAttribute('data-verified', 'false');

    // Alice compares the numbers by reading them: "The numbers match". Bob takes his mark back.
    await openVerify(alice, 'Bob');
    await alice.page.getByTestId('verify-match').click();
    await expect(alice.page.getByTestId('verify-state')).toHaveAttribute('data-verified', 'true');
    await expect(contactItem(alice, 'Bob').getByTestId('verified-badge')).toBeVisible();
    await h.shot(alice, 'verify-verified');
    await openVerify(bob, 'Alice');
    await bob.page.getByTestId('verify-unmark').click();
    await expect(bob.page.getByTestId('verify-state')).toHaveAttribute('data-verified', 'false');
    await expect(contactItem(bob, 'Alice').getByTestId('verified-badge')).toHaveCount(0);
    await expect(bob.page.getByTestId('verify-match')).toBeVisible();
  } finally {
    await h.close();
  }
});
