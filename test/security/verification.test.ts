/**
 * Finding 6: contacts could not be verified — an intercepted invitation link went
 * unnoticed. Now each contact has a safety number both people see alike (60 digits, or a
 * QR one screen scans from the other), a verified mark that my other devices share, which
 * a rotation through the ratchet keeps and any other change of keys breaks, with a notice.
 */
import { describe, expect, it } from 'vitest';
import { encodePeerData } from '../../main/core/devices/payloads.js';
import { nextVersion } from '../../main/core/records.js';
import { contactSafetyNumber, isVerified, safetyQr } from '../../main/core/peers/safetyNumber.js';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';
import { noticeText } from '../../shared/notices.js';
import { befriend, createBlankDevice, createProfile, pairDevices, settle, useEnv } from '../core/harness.js';
import { befriendServices, newIdentity } from '../service/helpers.js';

describe('contact verification', () => {
  const env = useEnv();

  it('both sides see one safety number; a scanned QR must match; the mark is shared by my devices', async () => {
    const alice = await newIdentity(env, 'sn-alice');
    const bob = await newIdentity(env, 'sn-bob');
    try {
      const { bOnA, aOnB } = await befriendServices(alice, bob);
      const onA = await alice.contactSafety(bOnA);
      const onB = await bob.contactSafety(aOnB);
      expect(onA.number).toBe(onB.number);
      expect(onA.number).toMatch(/^(\d{5} ){11}\d{5}$/);
      expect(onA.verified).toBe(false);
      await expect(
        bob.verifyContact(aOnB, { verified: true, scanned: safetyQr('1'.repeat(60)) }),
      ).rejects.toMatchObject({ code: 'SAFETY_MISMATCH' });
      expect((await bob.verifyContact(aOnB, { verified: true, scanned: onA.qr })).verified).toBe(true);
      expect((await bob.contacts())[0]!.verified).toBe(true);
      expect((await alice.contacts())[0]!.verified).toBe(false); // each side verifies for itself
      expect((await bob.verifyContact(aOnB, { verified: false })).verified).toBe(false);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it('a rotation through the ratchet keeps it; keys changed any other way break it, with a notice', async () => {
    const a = await createProfile(env, 'vr-a');
    const x = await createProfile(env, 'vr-x');
    const b = await createBlankDevice(env, 'vr-b');
    try {
      await befriend(a, x);
      await x.send('vr-a', 'hi');
      await settle(x, a);
      await pairDevices(a, b);
      const uid = a.findContact('vr-x').uid;
      await a.setVerified(uid, true);
      await settle(a, b);
      const before = contactSafetyNumber(a.findContact(uid))!;
      expect(isVerified(b.findContact(uid))).toBe(true); // shared with my other device

      // both sides rotate their keys of the conversation, through its ratchet
      a.rotateChannel('peer', uid);
      x.rotateChannel('peer', x.findContact('vr-a').uid);
      await settle(a, x, a, x, b);
      const after = contactSafetyNumber(a.findContact(uid))!;
      expect(after).not.toBe(before);
      expect(after).toBe(contactSafetyNumber(x.findContact('vr-a')));
      expect(isVerified(a.findContact(uid))).toBe(true);
      expect(isVerified(b.findContact(uid))).toBe(true);

      // a device of mine is told of other keys for x, not through x's ratchet: not verified any more
      const notices: string[] = [];
      b.on('notice', (n) => notices.push(noticeText(n.code, n.params)));
      const forged = {
        ...a.findContact(uid),
        contactPublicKey: ed25519KeyPair().publicKey,
        version: nextVersion(a.findContact(uid).version, a.identity.uid),
      };
      const bOnA = a.deviceSync.deviceById(b.identity.uid)!;
      a.db.outbox.enqueue([
        a.deviceSync.send(bOnA, 'peer_update', { peerData: encodePeerData(forged, a.identity.uid) }),
      ]);
      await settle(a, b);
      expect(isVerified(b.findContact(uid))).toBe(false);
      expect(notices.some((n) => n.includes('keys changed'))).toBe(true);
    } finally {
      await Promise.all([a.close(), x.close(), b.close()]);
    }
  });
});
