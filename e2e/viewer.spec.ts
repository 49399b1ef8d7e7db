/**
 * The picture viewer in the browser host: Bob opens one of two pictures Alice sent, goes to
 * the other with →, zooms with +, saves it (a browser download: the bytes Alice sent) and
 * closes the viewer with Esc.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { Harness } from './harness.js';
import { aliceAndBob, messages, openChat, send } from './steps.js';

/** A real JPEG drawn by the browser. */
async function picture(page: Page, colour: string): Promise<Buffer> {
  const b64 = await page.evaluate(async (fill) => {
    const c = document.createElement('canvas');
    c.width = 320;
    c.height = 240;
    const g = c.getContext('2d')!;
    g.fillStyle = fill;
    g.fillRect(0, 0, 320, 240);
    const blob = await new Promise<Blob>((r) => c.toBlob((b) => r(b!), 'image/jpeg', 0.9));
    let s = '';
    for (const x of new Uint8Array(await blob.arrayBuffer())) s += String.fromCharCode(x);
    return btoa(s);
  }, colour);
  return Buffer.from(b64, 'base64');
}

test('Bob views Alice’s pictures: arrows, zoom, save, close', async () => {
  test.setTimeout(180_000);
  const h = new Harness('viewer');
  try {
    const { alice, bob } = await aliceAndBob(h, { contacts: true });
    await openChat(bob, 'Alice');
    await send(bob, 'show me');
    await openChat(alice, 'Bob');
    await expect(messages(alice, 'show me')).toBeVisible({ timeout: 60_000 });

    const red = await picture(alice.page, '#c62828');
    const blue = await picture(alice.page, '#1565c0');
    await alice.page.getByTestId('composer-file-input').setInputFiles([
      { name: 'red.jpg', mimeType: 'image/jpeg', buffer: red },
      { name: 'blue.jpg', mimeType: 'image/jpeg', buffer: blue },
    ]);
    await expect(alice.page.getByTestId('pending-file')).toHaveCount(2);
    await send(alice, 'two colours');

    const got = messages(bob, 'two colours');
    await expect(got.getByTestId('file-image')).toHaveCount(2, { timeout: 60_000 });
    for (const f of await got.getByTestId('file-image').all())
      await expect(f).toHaveAttribute('data-state', 'full', { timeout: 60_000 });

    await got.getByTestId('file-image-open').first().click();
    const viewer = bob.page.getByTestId('viewer');
    await expect(viewer).toBeVisible();
    await expect(viewer).toHaveAttribute('data-state', 'full');
    await expect(bob.page.getByTestId('viewer-position')).toHaveText('1 / 2');
    await expect(bob.page.getByTestId('viewer-image')).toHaveAttribute('alt', 'red.jpg');

    await bob.page.keyboard.press('ArrowRight');
    await expect(bob.page.getByTestId('viewer-position')).toHaveText('2 / 2');
    await expect(bob.page.getByTestId('viewer-image')).toHaveAttribute('alt', 'blue.jpg');
    await bob.page.keyboard.press('ArrowRight'); // the last one: stays
    await expect(bob.page.getByTestId('viewer-position')).toHaveText('2 / 2');

    await bob.page.keyboard.press('+');
    await expect(viewer).toHaveAttribute('data-zoom', '1.5');
    await expect(bob.page.getByTestId('viewer-zoom')).toHaveText('150 %');
    await bob.page.getByRole('button', { name: 'Zoom out' }).click();
    await expect(viewer).toHaveAttribute('data-zoom', '1');

    const [download] = await Promise.all([
      bob.page.waitForEvent('download'),
      bob.page.getByTestId('viewer-save').click(),
    ]);
    expect(download.suggestedFilename()).toBe('blue.jpg');
    expect(Buffer.compare(readFileSync(await download.path()), blue)).toBe(0);

    await bob.page.keyboard.press('ArrowLeft');
    await expect(bob.page.getByTestId('viewer-position')).toHaveText('1 / 2');
    await h.shot(bob, 'files-viewer');
    await bob.page.keyboard.press('Escape');
    await expect(viewer).toBeHidden();
  } finally {
    await h.close();
  }
});
