/**
 * Finding 3: the pairing code could be ground (it hashed the two signing keys and the
 * invitation id, ~26.6 bits, no commitment) and the new device started syncing on the
 * other side's confirmation alone. Now the link commits to a nonce revealed after the
 * answer, the code hashes the whole transcript, and both people must confirm.
 */
import { pairingViews } from '../../main/core/service/views.js';
import { describe, expect, it } from 'vitest';
import { randomBytes } from '../../protocol/crypto/bytes.js';
import { ed25519KeyPair, x25519KeyPair } from '../../protocol/crypto/curves.js';
import { opensCommitment, pairingCode, pairingCommitment } from '../../main/core/devices/safetyCode.js';
import { createBlankDevice, createProfile, befriend, settle, useEnv } from '../core/harness.js';

const keys = () => ({ identity: ed25519KeyPair().publicKey, encryption: x25519KeyPair().publicKey });

describe('the pairing code', () => {
  it('is not a function of the keys: whoever picks keys after seeing the link cannot know the code', () => {
    const newDevice = keys();
    const existing = keys(); // what a link-swapper would choose, and could grind offline before
    const codes = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const newNonce = randomBytes(32);
      const commitment = pairingCommitment(newNonce, newDevice, 'inv');
      codes.add(
        pairingCode({
          commitment,
          newDevice,
          existingDevice: existing,
          invitationId: 'inv',
          newNonce,
          existingNonce: randomBytes(32),
        }),
      );
    }
    // With the old formula (keys + invitation id) all 50 would be one code.
    expect(codes.size).toBeGreaterThan(45);
    for (const c of codes) expect(c).toMatch(/^\d{4} \d{4}$/);
  });

  it('the revealed nonce must open the link’s commitment, for these keys and this invitation', () => {
    const nonce = randomBytes(32);
    const newDevice = keys();
    const commitment = pairingCommitment(nonce, newDevice, 'inv');
    expect(opensCommitment(commitment, nonce, newDevice, 'inv')).toBe(true);
    expect(opensCommitment(commitment, randomBytes(32), newDevice, 'inv')).toBe(false);
    expect(opensCommitment(commitment, nonce, keys(), 'inv')).toBe(false);
    expect(opensCommitment(commitment, nonce, newDevice, 'other')).toBe(false);
  });
});

describe('pairing needs both people', () => {
  const env = useEnv();

  it('the existing device sends nothing private until the new device’s person confirms too, in either order', async () => {
    const a = await createProfile(env, 'both-a');
    const x = await createProfile(env, 'both-x');
    const b = await createBlankDevice(env, 'both-b');
    const c = await createBlankDevice(env, 'both-c');
    try {
      await befriend(a, x);
      await a.updateProfile({ status: 'at the dentist until 4' });
      // existing confirms first: b gets nothing until b's person confirms
      const { link } = await b.pairing.init();
      await a.pairing.accept(link);
      await settle(a, b);
      const onB = pairingViews(b)[0]!;
      // the answer carried no part of the profile (it goes out before anyone compared codes)
      expect(b.devices.all().map((d) => d.status)).toEqual(['']);
      expect(onB.code).toBe(pairingViews(a)[0]!.code);
      await a.pairing.confirm();
      await settle(a, b, a, b);
      expect(b.contacts()).toEqual([]);
      expect(b.identity.nickname).toBe('');
      await b.pairing.confirmOnNewDevice(onB.id);
      await settle(b, a, b);
      expect(b.contacts().map((p) => p.name)).toEqual(['both-x']);

      // the new device confirms first: nothing moves until the existing device's person confirms
      const second = await c.pairing.init();
      await a.pairing.accept(second.link);
      await settle(a, c);
      await c.pairing.confirmOnNewDevice(pairingViews(c)[0]!.id);
      await settle(c, a, c);
      expect(c.contacts()).toEqual([]);
      await a.pairing.confirm();
      await settle(a, c);
      expect(c.contacts().map((p) => p.name)).toEqual(['both-x']);
    } finally {
      await Promise.all([a.close(), x.close(), b.close(), c.close()]);
    }
  });

  it('an answer to a swapped link is refused when the revealed nonce does not open the commitment', async () => {
    const a = await createProfile(env, 'swap-a');
    const b = await createBlankDevice(env, 'swap-b');
    try {
      const { link, device } = await b.pairing.init();
      // the link's commitment stays, the nonce behind it changes: as if the link came from elsewhere
      await b.updatePeer('device', device.uid, (d) => ({
        ...d,
        pairing: { ...d.pairing!, nonce: Buffer.from(randomBytes(32)).toString('base64') },
      }));
      await a.pairing.accept(link);
      await settle(a, b, a);
      expect(pairingViews(a)[0]!.phase).toBe('refused');
      await expect(a.pairing.confirm()).rejects.toMatchObject({ code: 'PAIRING_NOT_PENDING' });
      expect(a.deviceSync.siblings()).toEqual([]);
      // and the refused channel's keys are erased, as when a person refuses
      const refused = a.devices.all().find((d) => d.pairing?.phase === 'refused')!;
      expect(refused.unlinked).toBe(true);
      expect(refused.drState).toBeNull();
      for (const k of [refused.myIdentity, refused.myEncryption, refused.drKp])
        expect(k.privateKey.every((x) => x === 0)).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
