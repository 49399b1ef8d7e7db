/**
 * Export in the app: Alice exports her conversation with Bob from Settings into a folder; the
 * export's index.html, opened as a page, shows the messages — Bob's markup as text, never run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from '@playwright/test';
import { Harness } from './harness.js';
import { aliceAndBob, messages, openChat, send } from './steps.js';

test('export a conversation from Settings and open it as a page', async () => {
  test.setTimeout(240_000);
  const h = new Harness('export');
  try {
    const { alice, bob, browser } = await aliceAndBob(h, { contacts: true });
    await openChat(bob, 'Alice');
    const markup = '<img src=x onerror="document.title=1"> see you <b>at noon</b>';
    await send(bob, markup);
    await openChat(alice, 'Bob');
    await expect(messages(alice, markup)).toHaveCount(1);
    await send(alice, 'Noon it is');

    const folder = mkdtempSync(join(tmpdir(), 'meow-e2e-export-'));
    await alice.page.getByTestId('nav-settings').click();
    await alice.page.getByTestId('export-contact').selectOption({ label: 'Bob' });
    await alice.page.getByTestId('export-folder').fill(folder);
    await alice.page.getByTestId('export-run').click();
    const done = alice.page.getByTestId('export-done');
    await expect(done).toContainText('Exported 2 messages');
    await h.shot(alice, 'export-done');
    const exported = (await done.getAttribute('data-folder'))!;

    // A folder that is not there: a clear sentence.
    await alice.page.getByTestId('export-folder').fill(join(folder, 'missing'));
    await alice.page.getByTestId('export-run').click();
    await expect(alice.page.getByTestId('export-error')).toContainText('there is no such folder');

    const page = await (await browser.newContext()).newPage();
    await page.goto(pathToFileURL(join(exported, 'index.html')).href);
    await expect(page.getByRole('heading', { name: 'Meow: conversation with Bob' })).toBeVisible();
    await expect(page.getByText(markup)).toBeVisible(); // shown as text
    await expect(page.getByText('Noon it is')).toBeVisible();
    await expect(page.locator('img')).toHaveCount(0); // Bob's markup made no element
    expect(await page.title()).toBe('Meow: conversation with Bob');
    await h.shot(page, 'export-page');
  } finally {
    await h.close();
  }
});
