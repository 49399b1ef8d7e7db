/**
 * Identity writes: concurrent saves all succeed and leave a readable file (finding: with
 * one temp name per process, 8 concurrent saves made 7 fail with ENOENT, reported as
 * CORRUPTED); a change records what it owes my other devices in the same write, and a
 * crash before that was queued is finished when the profile opens again.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IdentityFile, newIdentity } from '../../main/core/identity/identity.js';
import { nextVersion } from '../../main/core/records.js';
import {
  createBlankDevice,
  createProfile,
  openProfile,
  pairDevices,
  settle,
  TEST_LOG_N,
  useEnv,
} from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'meow-identity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const server = {
  url: 'http://127.0.0.1:1',
  publicKey: 'A'.repeat(43) + '=',
  signingKey: 'A'.repeat(43) + '=',
  name: 's',
};

describe('identity file writes', () => {
  it('eight concurrent saves all succeed; the file opens afterwards and no temp file is left', async () => {
    const profile = join(dir, 'concurrent');
    mkdirSync(profile);
    const file = await IdentityFile.create(
      profile,
      newIdentity({ nickname: 'n0', deviceName: 'd', servers: [server] }),
      'password1',
      TEST_LOG_N,
    );
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => {
        file.identity.status = `status ${i}`;
        return file.save();
      }),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const reopened = await IdentityFile.open(profile, { password: 'password1' });
    expect(reopened.identity.status).toBe('status 7');
    expect(readdirSync(profile).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});

describe('a change of the identity and the sync it owes', () => {
  const env = useEnv();

  it('a crash after the change is saved and before its sync is queued: the sync goes when the profile opens', async () => {
    const a = await createProfile(env, 'owe-a');
    const b = await createBlankDevice(env, 'owe-b');
    try {
      await pairDevices(a, b);
      // the first half of changeIdentity only — then the process "dies" before queueing
      await a.identities.update(
        (id) => ({ status: 'saved, not yet synced', profileVersion: nextVersion(id.profileVersion, id.uid) }),
        ['identity_update'],
      );
      await a.close();
      const again = await openProfile(env, 'owe-a');
      try {
        expect(again.identity.owed).toEqual([]);
        await settle(again, b);
        expect(b.identity.status).toBe('saved, not yet synced');
      } finally {
        await again.close();
      }
    } finally {
      await b.close();
    }
  });
});
