/**
 * What a person does in the app, as steps the tests share. Every step waits on what
 * the screen shows (Playwright's auto-waiting assertions), never on time.
 */
import { expect, type Locator } from '@playwright/test';
import { PASSWORD, type Harness, type Machine } from './harness.js';

export async function createIdentity(m: Machine, opts: { name: string; device: string; server: string }) {
  const { page } = m;
  await page.getByTestId('onboarding-create').click();
  await page.getByTestId('nickname').fill(opts.name);
  await page.getByTestId('device-name').fill(opts.device);
  await page.getByTestId('password').fill(PASSWORD);
  await page.getByTestId('password-repeat').fill(PASSWORD);
  await page.getByTestId('server-url').fill(opts.server);
  await page.getByTestId('create-submit').click();
  await expect(page.getByTestId('section-chats')).toBeVisible();
}

/** Contacts → Invite someone; returns the link. */
export async function invite(m: Machine, name: string): Promise<string> {
  const { page } = m;
  await page.getByTestId('nav-contacts').click();
  await page.getByTestId('contacts-invite').click();
  await page.getByTestId('invite-name').fill(name);
  await page.getByTestId('invite-create').click();
  await expect(page.getByTestId('invite-qr')).toBeVisible();
  return page.getByTestId('invite-link').inputValue();
}

/** Contacts → Accept an invitation → Paste link. */
export async function acceptByPaste(m: Machine, link: string, name?: string) {
  const { page } = m;
  await page.getByTestId('nav-contacts').click();
  await page.getByTestId('contacts-accept').click();
  await page.getByTestId('tab-paste').click();
  await page.getByTestId('link-paste').fill(link);
  await page.getByTestId('link-submit').click();
  // Who it is from, shown before accepting.
  await expect(page.getByTestId('accept-confirm')).toBeVisible();
  if (name) await page.getByTestId('accept-name').fill(name);
  await page.getByTestId('accept-confirm').click();
  await expect(page.getByTestId('contact-detail')).toBeVisible();
}

export function chatItem(m: Machine, contact: string): Locator {
  return m.page.locator(`[data-testid="chat-item"][data-contact="${contact}"]`);
}

export async function openChat(m: Machine, contact: string) {
  await m.page.getByTestId('nav-chats').click();
  await chatItem(m, contact).click();
  await expect(m.page.getByTestId('composer-input')).toBeVisible();
}

export async function send(m: Machine, text: string) {
  const box = m.page.getByTestId('composer-input');
  await box.fill(text);
  await box.press('Enter');
  await expect(box).toHaveValue('');
}

/** The message rows whose text is exactly `text`. */
export function messages(m: Machine, text: string): Locator {
  return m.page
    .getByTestId('message')
    .filter({ has: m.page.getByTestId('message-text').getByText(text, { exact: true }) });
}

/** "Link to my other computer" on a new machine, up to the QR code; returns the pairing link. */
export async function startPairingOnNew(
  m: Machine,
  opts: { device: string; server: string },
): Promise<string> {
  const { page } = m;
  await page.getByTestId('onboarding-link').click();
  await page.getByTestId('device-name').fill(opts.device);
  await page.getByTestId('password').fill(PASSWORD);
  await page.getByTestId('password-repeat').fill(PASSWORD);
  await page.getByTestId('server-url').fill(opts.server);
  await page.getByTestId('link-submit').click();
  await expect(page.getByTestId('pair-qr')).toBeVisible();
  return page.getByTestId('pair-link').inputValue();
}

export async function openPairingOnExisting(m: Machine) {
  await m.page.getByTestId('nav-devices').click();
  await m.page.getByTestId('devices-link').click();
  await expect(m.page.getByTestId('pair-existing')).toBeVisible();
}

/** Both screens show the same safety code; returns it. */
export async function sameSafetyCode(a: Machine, b: Machine): Promise<string> {
  const codeA = a.page.getByTestId('safety-code');
  const codeB = b.page.getByTestId('safety-code');
  await expect(codeA).toBeVisible();
  await expect(codeB).toBeVisible();
  const code = (await codeA.getAttribute('data-code')) ?? '';
  expect(code).not.toBe('');
  await expect(codeB).toHaveAttribute('data-code', code);
  return code;
}

export function device(m: Machine, name: string): Locator {
  return m.page.locator(`[data-testid="device"][data-device="${name}"]`);
}

/**
 * Alice and Bob, each on a browser host of their own, one relay, one browser: with their
 * identities (unless `identities: false`), and each other's contact when `contacts`.
 */
export async function aliceAndBob(h: Harness, opts: { identities?: boolean; contacts?: boolean } = {}) {
  const relay = await h.relay();
  const [hAlice, hBob] = await Promise.all([h.host('alice'), h.host('bob')]);
  const browser = await h.browser();
  const alice = await h.open(browser, hAlice);
  const bob = await h.open(browser, hBob);
  if (opts.identities !== false) {
    await createIdentity(alice, { name: 'Alice', device: 'Desktop', server: relay.url });
    await createIdentity(bob, { name: 'Bob', device: 'Bob PC', server: relay.url });
    if (opts.contacts) await acceptByPaste(bob, await invite(alice, 'Bob'));
  }
  return { relay, hAlice, hBob, browser, alice, bob };
}
