/**
 * The new computer's pairing screen is not a dead end: "Cancel — back to the start" empties
 * the half-made profile and shows the first screen again, where the person can do
 * something else (here: create an identity instead).
 */
import { expect, test } from '@playwright/test';
import { Harness } from './harness.js';
import { createIdentity, startPairingOnNew } from './steps.js';

test('the pairing screen of a new computer has a way back', async () => {
  const h = new Harness('start-over');
  try {
    const relay = await h.relay();
    const laptop = await h.open(await h.browser(), await h.host('laptop'));
    await startPairingOnNew(laptop, { device: 'Laptop', server: relay.url });
    await h.shot(laptop, 'pairing-with-cancel');
    await laptop.page.getByTestId('start-over').click();
    await laptop.page.getByTestId('start-over-dialog').getByTestId('dialog-confirm').click();
    await expect(laptop.page.getByTestId('onboarding-create')).toBeVisible();
    await createIdentity(laptop, { name: 'Alice', device: 'Laptop', server: relay.url });
  } finally {
    await h.close();
  }
});
