/** Pairing a new machine (phase 1) and the initial sync, against a real relay. */
import { pairingViews } from '../../main/core/service/views.js';
import { noticeText } from '../../shared/notices.js';
import { describe, expect, it } from 'vitest';
import { deviceViews } from '../../main/core/service/views.js';
import { befriend, createBlankDevice, createProfile, pairDevices, settle, useEnv } from '../core/harness.js';

describe('pairing', () => {
  const env = useEnv('embedded');

  it('both sides show the same code; nothing private moves before confirmation; then contacts, profile, servers and history arrive', async () => {
    const a = await createProfile(env, 'pa');
    const x = await createProfile(env, 'px');
    const b = await createBlankDevice(env, 'pb');
    try {
      await befriend(a, x);
      await a.send('px', 'old message 1');
      await x.send('pa', 'old message 2');
      await settle(a, x);
      await a.markRead('px');
      await a.updateProfile({ status: 'at work' });

      const { link } = await b.pairing.init();
      expect(link).toMatch(/^meow:\/\/pair\?/);
      await a.pairing.accept(link); // b named itself; a shows that name
      expect(pairingViews(a)[0]).toMatchObject({ phase: 'waiting', code: '' }); // until b reveals its nonce
      await settle(a, b);
      const code = pairingViews(a)[0]!.code;
      expect(code).toMatch(/^\d{4} \d{4}$/);
      const onB = pairingViews(b)[0]!;
      expect(onB.phase).toBe('code');
      expect(onB.code).toBe(code);
      // before the people confirm: nothing private on the new device
      expect(b.contacts()).toEqual([]);
      expect(b.identity.nickname).toBe('');

      await b.pairing.confirmOnNewDevice(onB.id);
      await a.pairing.confirm();
      await settle(a, b);
      expect(pairingViews(b)[0]).toMatchObject({ phase: 'done' });
      expect(pairingViews(a)[0]).toMatchObject({ phase: 'done' });
      expect(b.identity.pairingPending).toBe(false);
      expect(b.identity.nickname).toBe('pa');
      expect(b.identity.status).toBe('at work');
      expect(b.identity.servers.map((s) => s.url)).toEqual(a.identity.servers.map((s) => s.url));
      expect(b.contacts().map((c) => [c.name, !!c.primary])).toEqual([['px', true]]);
      expect(b.messages('px').map((m) => m.text)).toEqual(['old message 1', 'old message 2']);
      // read on A before pairing: read on B too
      expect(b.db.messages.summaries().map((s) => s.unread)).toEqual([0]);
      // the contact's ratchet never left the primary
      expect(b.findContact('px').drState).toBeNull();
      const views = deviceViews(a);
      expect(views.map((v) => [v.name, v.state, v.primaryFor])).toEqual([
        [a.identity.deviceName, 'this device', 1],
        [b.identity.deviceName, 'linked', 0],
      ]);
    } finally {
      await Promise.all([a.close(), x.close(), b.close()]);
    }
  });

  it('a pairing link is single-use, expires, is not accepted by its own device, and a refusal sends nothing', async () => {
    const a = await createProfile(env, 'sa');
    const b = await createBlankDevice(env, 'sb');
    const c = await createBlankDevice(env, 'sc');
    try {
      const { link } = await b.pairing.init();
      await expect(b.pairing.accept(link)).rejects.toMatchObject({
        code: 'PAIRING_ON_NEW_DEVICE',
      }); // b itself waits to be paired
      const first = await a.pairing.accept(link);
      // Accepting it again here while that pairing waits (a command killed mid-way) resumes it
      const again = await a.pairing.accept(link);
      expect(again.device.uid).toBe(first.device.uid);
      expect(a.devices.all().filter((d) => d.invitationId === first.device.invitationId)).toHaveLength(1);
      await settle(a, b);
      // refused on the existing device: the new one is told, and gets nothing
      await a.pairing.refuse();
      await settle(a, b);
      expect(pairingViews(b)[0]!.phase).toBe('refused');
      // once that pairing ended, the link is used here too
      await expect(a.pairing.accept(link)).rejects.toMatchObject({ code: 'LINK_USED' });
      expect(b.contacts()).toEqual([]);
      // the short link was deleted once answered: a third device cannot use it
      await expect(c.pairing.accept(link)).rejects.toMatchObject({
        code: 'PAIRING_ON_NEW_DEVICE',
      });
      const other = await createProfile(env, 'sother');
      await expect(other.pairing.accept(link)).rejects.toMatchObject({ code: 'LINK_USED' });
      await other.close();
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('an expired pairing link is refused with a clear message', async () => {
    const a = await createProfile(env, 'ea');
    const b = await createBlankDevice(env, 'eb');
    try {
      const { createInvitation, longLink } = await import('../../main/core/peers/invitation.js');
      const { card } = createInvitation(b.identity, {
        name: '',
        type: 'device',
        ttlMs: -60_000,
        myName: 'eb',
      });
      card.pairingCommitment = new Uint8Array(32).fill(7);
      await expect(a.pairing.accept(longLink(card))).rejects.toMatchObject({
        code: 'LINK_EXPIRED',
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('pairing a third device tells the others, and every pair of devices can talk', async () => {
    const a = await createProfile(env, 'ta');
    const b = await createBlankDevice(env, 'tb');
    const c = await createBlankDevice(env, 'tc');
    try {
      await pairDevices(a, b);
      const warnings: string[] = [];
      b.on('notice', (n) => warnings.push(noticeText(n.code, n.params)));
      await pairDevices(a, c);
      await settle(a, b, c);
      expect(warnings.some((w) => w.includes('A new device, "tc", was linked'))).toBe(true);
      expect(
        b.deviceSync
          .siblings()
          .map((d) => d.name)
          .sort(),
      ).toEqual([a.identity.deviceName, 'tc'].sort());
      expect(
        c.deviceSync
          .siblings()
          .map((d) => d.name)
          .sort(),
      ).toEqual([a.identity.deviceName, 'tb'].sort());
      // B changes the profile: A and C follow (B↔C is a working channel)
      await b.updateProfile({ status: 'from b' });
      await settle(a, b, c);
      expect(a.identity.status).toBe('from b');
      expect(c.identity.status).toBe('from b');
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });
});
