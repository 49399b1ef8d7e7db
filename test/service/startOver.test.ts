/**
 * Starting over on this computer: allowed for a computer still waiting to be linked (or
 * unlinked), which comes back to the first screen with an empty profile folder and can be
 * set up again; refused for a profile with an identity of its own.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PASSWORD, useEnv } from '../core/harness.js';
import { newIdentity, serviceFor } from './helpers.js';

describe('startOver', () => {
  const env = useEnv();

  it('refuses a profile that holds an identity', async () => {
    const alice = await newIdentity(env, 'alice-keeps');
    try {
      await expect(alice.startOver()).rejects.toMatchObject({ code: 'START_OVER_REFUSED' });
      expect((await alice.appState()).state).toBe('open');
    } finally {
      await alice.close();
    }
  });

  it('empties a computer waiting to be linked and brings it back to the first screen', async () => {
    const profile = env.profile('laptop');
    const laptop = serviceFor(env, 'laptop');
    try {
      await laptop.pairNew({ password: PASSWORD, serverUrl: env.relay.url, deviceName: 'Laptop' });
      expect((await laptop.profile()).pairingPending).toBe(true);
      writeFileSync(join(profile, 'web-host.json'), '{}'); // the browser host's: kept
      expect((await laptop.startOver()).state).toBe('new');
      expect(readdirSync(profile)).toEqual(['web-host.json']);
      // Set up afresh in the same folder.
      await laptop.createIdentity({ nickname: 'Alice', password: PASSWORD, serverUrl: env.relay.url });
      expect((await laptop.appState()).state).toBe('open');
      expect(existsSync(join(profile, 'web-host.json'))).toBe(true);
    } finally {
      await laptop.close();
    }
  });
});
