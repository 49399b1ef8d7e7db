/**
 * Files and pictures in the browser host: Alice attaches a photo (a real JPEG carrying a GPS
 * position in its EXIF) and a PDF; Bob sees the picture inline — decoded from bytes the
 * service verified — and its GPS tag is gone; Bob saves the PDF (a browser download) and
 * its bytes equal the original; Alice's laptop (a linked device) shows both from the blobs
 * the desktop uploaded — nothing is uploaded again.
 */
import { expect, test, type Page } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import { Harness } from './harness.js';
import {
  acceptByPaste,
  createIdentity,
  invite,
  messages,
  openChat,
  openPairingOnExisting,
  sameSafetyCode,
  send,
  startPairingOnNew,
} from './steps.js';

/** A real JPEG made by the browser, with an EXIF segment (GPS IFD) put in after its SOI. */
async function photoWithGps(page: Page): Promise<Buffer> {
  const b64 = await page.evaluate(async () => {
    const c = document.createElement('canvas');
    c.width = 640;
    c.height = 480;
    const g = c.getContext('2d')!;
    const grad = g.createLinearGradient(0, 0, 640, 480);
    grad.addColorStop(0, '#1e88e5');
    grad.addColorStop(1, '#ffb300');
    g.fillStyle = grad;
    g.fillRect(0, 0, 640, 480);
    g.fillStyle = '#fff';
    g.font = '64px sans-serif';
    g.fillText('holiday', 180, 260);
    const blob = await new Promise<Blob>((r) => c.toBlob((b) => r(b!), 'image/jpeg', 0.9));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (const x of bytes) s += String.fromCharCode(x);
    return btoa(s);
  });
  const jpeg = Buffer.from(b64, 'base64');
  const tiff = Buffer.concat([
    Buffer.from('MM\u0000\u002a\u0000\u0000\u0000\u0008', 'latin1'),
    Buffer.from([0x00, 0x01, 0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1a]),
    Buffer.from([0, 0, 0, 0, 0x00, 0x00, 0, 0, 0, 0]),
    Buffer.from('GPSLatitude 48 51 24 N', 'latin1'),
  ]);
  const body = Buffer.concat([Buffer.from('Exif\u0000\u0000', 'latin1'), tiff]);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1]), len, body, jpeg.subarray(2)]);
}

test('Alice sends a photo and a PDF; Bob sees the picture without its GPS and saves the PDF intact', async () => {
  test.setTimeout(240_000);
  const h = new Harness('files');
  try {
    const relay = await h.relay();
    const blobsOnRelay = () => readdirSync(h.path('relay-0/blobs')).filter((n) => n.endsWith('.blob'));
    const [hAlice, hBob, hLaptop] = await Promise.all([
      h.host('alice'),
      h.host('bob'),
      h.host('alice-laptop'),
    ]);
    const browser = await h.browser();
    const alice = await h.open(browser, hAlice);
    const bob = await h.open(browser, hBob);
    await createIdentity(alice, { name: 'Alice', device: 'Laptop', server: relay.url });
    await createIdentity(bob, { name: 'Bob', device: 'Bob PC', server: relay.url });
    const link = await invite(alice, 'Bob');
    await alice.page.getByTestId('invite-done').click();
    await acceptByPaste(bob, link);
    await openChat(bob, 'Alice');
    await send(bob, 'send me the pictures');
    await openChat(alice, 'Bob');
    await expect(messages(alice, 'send me the pictures')).toBeVisible({ timeout: 60_000 });

    // Alice links her laptop (paste the link, same code on both, confirm on both).
    const laptop = await h.open(browser, hLaptop);
    const pairLink = await startPairingOnNew(laptop, { device: 'Laptop', server: relay.url });
    await openPairingOnExisting(alice);
    await alice.page.getByTestId('tab-paste').click();
    await alice.page.getByTestId('link-paste').fill(pairLink);
    await alice.page.getByTestId('link-submit').click();
    await sameSafetyCode(alice, laptop);
    await alice.page.getByTestId('pair-confirm').click();
    await laptop.page.getByTestId('pair-confirm').click();
    await expect(laptop.page.getByTestId('pair-done')).toBeVisible({ timeout: 60_000 });
    await expect(alice.page.getByTestId('pair-done')).toBeVisible({ timeout: 60_000 });
    await laptop.page.getByTestId('pair-finish').click();
    await alice.page.getByTestId('pair-close').click();
    await openChat(alice, 'Bob');

    const photo = await photoWithGps(alice.page);
    expect(photo.includes('GPSLatitude')).toBe(true);
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n', 'latin1'), Buffer.alloc(150_000, 7)]);
    await alice.page.getByTestId('composer-file-input').setInputFiles([
      { name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: photo },
      { name: 'report.pdf', mimeType: 'application/pdf', buffer: pdf },
    ]);
    await expect(alice.page.getByTestId('pending-file')).toHaveCount(2);
    await expect(alice.page.getByTestId('location-removed')).toBeVisible();
    await h.shot(alice, 'files-pending');
    await send(alice, 'from the trip');
    const sent = messages(alice, 'from the trip');
    await expect(sent.getByTestId('file-image')).toHaveAttribute('data-state', 'full');
    await expect(sent.getByTestId('file-card')).toHaveAttribute('data-name', 'report.pdf');
    await expect(alice.page.getByTestId('pending-file')).toHaveCount(0);

    // Bob: the picture inline (the preview at once, then the full picture, downloaded and verified)
    const got = messages(bob, 'from the trip');
    await expect(got.getByTestId('file-image')).toBeVisible({ timeout: 60_000 });
    await expect(got.getByTestId('file-image')).toHaveAttribute('data-state', 'full', { timeout: 60_000 });
    const img = got.getByTestId('file-image').locator('img');
    await expect(img).toHaveAttribute('src', /^blob:/);
    expect(await img.evaluate((e: HTMLImageElement) => e.decode().then(() => e.naturalWidth))).toBe(640);
    // the bytes shown (blob: URLs are outside the page's connect-src: ask the service the page asked)
    const messageId = (await got.getAttribute('data-id')) ?? '';
    const shown = Buffer.from(
      await bob.page.evaluate(async (id) => {
        type R<T> = { ok: true; value: T } | { ok: false };
        const bridge = (
          window as unknown as { meow: { invoke(m: string, ...a: unknown[]): Promise<R<unknown>> } }
        ).meow;
        const list = (await bridge.invoke('conversations')) as R<{ contact: { id: string } }[]>;
        if (!list.ok) throw new Error('conversations failed');
        const data = (await bridge.invoke('fileData', list.value[0]!.contact.id, id, 0)) as R<{
          base64: string;
        }>;
        if (!data.ok) throw new Error('fileData failed');
        return data.value.base64;
      }, messageId),
      'base64',
    );
    expect(shown.includes('GPSLatitude')).toBe(false);
    expect(shown.includes('Exif')).toBe(false);
    await h.shot(bob, 'files-received', 'files');

    // Bob saves the PDF: a browser download whose bytes are the original's
    const card = got.locator('[data-testid="file-card"][data-name="report.pdf"]');
    await expect(card).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    const [download] = await Promise.all([
      bob.page.waitForEvent('download'),
      card.getByTestId('file-save').click(),
    ]);
    expect(download.suggestedFilename()).toBe('report.pdf');
    const path = await download.path();
    expect(Buffer.compare(readFileSync(path), pdf)).toBe(0);

    // Alice's laptop: the message came through device sync; both files from the same blobs.
    await openChat(laptop, 'Bob');
    const onLaptop = messages(laptop, 'from the trip');
    await expect(onLaptop.getByTestId('file-image')).toHaveAttribute('data-state', 'full', {
      timeout: 60_000,
    });
    await expect(onLaptop.getByTestId('file-card')).toHaveAttribute('data-state', 'ready', {
      timeout: 60_000,
    });
    await h.shot(laptop, 'files-on-my-other-device');
    expect(blobsOnRelay()).toHaveLength(2);
  } finally {
    await h.close();
  }
});
