/**
 * Cancel and retry in the browser host: Bob asks for a file larger than his automatic
 * download (set to 1 MB) while the relay is down, so the download waits (retrying); he cancels it — the
 * card offers Download again, with no failure shown — and once the relay is back, Download
 * fetches it and Save gives the bytes Alice sent.
 */
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { spawnServer, type ServerProcess } from '../test/helpers/serverProcess.js';
import { Harness } from './harness.js';
import { aliceAndBob, messages, openChat, send } from './steps.js';

test('Bob cancels a download that waits for the relay, then downloads it again', async () => {
  test.setTimeout(180_000);
  const h = new Harness('cancel');
  let again: ServerProcess | null = null;
  try {
    const { relay, alice, bob } = await aliceAndBob(h, { contacts: true });
    await openChat(bob, 'Alice');
    await send(bob, 'the big one please');
    await openChat(alice, 'Bob');
    await expect(messages(alice, 'the big one please')).toBeVisible({ timeout: 60_000 });

    // Bob downloads files up to 1 MB by himself: a larger one waits to be asked for
    await bob.page.getByTestId('nav-settings').click();
    await bob.page.getByTestId('auto-download-mb').fill('1');
    await bob.page.getByTestId('file-settings').getByRole('button', { name: 'Save' }).click();
    await expect(bob.page.getByTestId('file-settings-error')).toHaveCount(0);
    await bob.page.getByTestId('nav-chats').click();
    await bob.page.getByTestId('nav-settings').click(); // read back from the service: saved
    await expect(bob.page.getByTestId('auto-download-mb')).toHaveValue('1');
    await openChat(bob, 'Alice');
    const big = Buffer.concat([Buffer.from('%PDF-1.7\n', 'latin1'), Buffer.alloc(3 * 1024 * 1024, 3)]);
    await alice.page
      .getByTestId('composer-file-input')
      .setInputFiles([{ name: 'big.pdf', mimeType: 'application/pdf', buffer: big }]);
    await send(alice, 'here it is');
    await expect(messages(alice, 'here it is').getByTestId('file-card')).toHaveAttribute(
      'data-state',
      'ready',
      {
        timeout: 60_000,
      },
    );
    const card = messages(bob, 'here it is').getByTestId('file-card');
    await expect(card).toHaveAttribute('data-state', 'remote', { timeout: 60_000 });

    const port = new URL(relay.url).port;
    await relay.stop('SIGKILL');
    await card.getByTestId('file-download').click();
    await expect(card).toHaveAttribute('data-state', 'downloading');
    await card.getByTestId('file-cancel').click();
    await expect(card).toHaveAttribute('data-state', 'remote');
    await expect(card.getByTestId('file-download')).toHaveText('Download');
    await expect(card.getByTestId('file-error')).toHaveCount(0);

    again = await spawnServer(['--data', h.path('relay-0'), '--rate', '0', '--port', port]);
    await card.getByTestId('file-download').click();
    await expect(card).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    const [download] = await Promise.all([
      bob.page.waitForEvent('download'),
      card.getByTestId('file-save').click(),
    ]);
    expect(download.suggestedFilename()).toBe('big.pdf');
    expect(Buffer.compare(readFileSync(await download.path()), big)).toBe(0);
  } finally {
    await again?.stop('SIGTERM');
    await h.close();
  }
});
