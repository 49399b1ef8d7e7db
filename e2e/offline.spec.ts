/**
 * The offline banner as a person reads it: when the message server stops, a sentence (not
 * the transport's error) that says for how long — and the time ages — and a "Retry now"
 * that reconnects at once when the server is back, instead of after the back-off.
 */
import { expect, test } from '@playwright/test';
import { spawnServer, type ServerProcess } from '../test/helpers/serverProcess.js';
import { Harness } from './harness.js';
import { createIdentity, invite } from './steps.js';

test('offline banner: a human sentence that ages, and Retry now', async () => {
  const h = new Harness('offline');
  const data = h.path('relay');
  let relay: ServerProcess | null = null;
  try {
    relay = await spawnServer(['--data', data, '--rate', '0']);
    const port = new URL(relay.url).port;
    const alice = await h.open(await h.browser(), await h.host('alice'));
    await createIdentity(alice, { name: 'Alice', device: 'Desktop', server: relay.url });
    // An invitation: a queue Alice pulls, so she notices the server going away.
    await invite(alice, 'Bob');
    await alice.page.getByTestId('invite-done').click();

    await relay.stop();
    relay = null;
    const banner = alice.page.getByTestId('connection-banner');
    const sentence = alice.page.getByTestId('connection-sentence');
    await expect(sentence).toContainText(`the message server 127.0.0.1:${port} does not answer.`);
    await expect(sentence).not.toContainText('ECONNREFUSED');
    await expect(sentence).not.toContainText('UNREACHABLE');
    // It ages: "a few seconds" becomes a count of seconds.
    await expect(sentence).toContainText(/Offline for \d+ seconds/, { timeout: 60_000 });
    await h.shot(alice, 'offline-banner');

    relay = await spawnServer(['--data', data, '--rate', '0', '--port', port]);
    await alice.page.getByTestId('connection-retry').click();
    await expect(banner).toHaveCount(0);
  } finally {
    await relay?.stop();
    await h.close();
  }
});
