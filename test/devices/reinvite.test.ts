/**
 * A contact whose keys were on a device that is then unlinked cannot be rotated by my other
 * devices (they never had its keys): the person is told, sending says why, and one step —
 * a new invitation for that contact — brings the conversation back, history kept, on the
 * device that made it, with my other devices routing through it.
 */
import { describe, expect, it } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { contactView } from '../../main/core/service/views.js';
import { befriend, createBlankDevice, createProfile, pairDevices, settle, useEnv } from '../core/harness.js';

const texts = (m: Messenger, uid: string) => m.messages(uid).map((x) => x.text);

describe('inviting again a contact lost with an unlinked device', () => {
  const env = useEnv();

  it('keeps the conversation: the contact answers the new link and it goes on where it was', async () => {
    const a = await createProfile(env, 'ri-a');
    const x = await createProfile(env, 'ri-x');
    const b = await createBlankDevice(env, 'ri-b');
    const c = await createBlankDevice(env, 'ri-c');
    try {
      await befriend(a, x);
      await x.send('ri-a', 'hello');
      await settle(x, a);
      await pairDevices(a, b);
      await pairDevices(a, c);
      const uid = a.findContact('ri-x').uid;
      await b.deviceSync.requestPrimary(uid); // b drives x now…
      await settle(b, a, b, a, b, c);
      // c may hear "b drives x" before it knows b (their channel is made through a): through a
      // meanwhile, then to b directly
      expect(c.peers.get(uid)!.primary?.device).toBe(c.deviceSync.deviceById(b.identity.uid)!.uid);
      await expect(a.reinvite(uid)).rejects.toMatchObject({ code: 'CONTACT_REACHABLE' });

      const notices: string[] = [];
      a.on('notice', (n: { code: string }) => notices.push(n.code));
      const onC: unknown[] = [];
      c.on('notice', (n: { code: string; params: unknown }) => onC.push(n));
      await a.deviceSync.unlink(a.deviceSync.deviceById(b.identity.uid)!.uid); // …and is lost
      await settle(a, c, a, c);
      expect(notices).toContain('CONTACT_ORPHANED');
      // my other device is told which device went (once), and which contact went with it
      expect(onC).toContainEqual({ code: 'DEVICE_UNLINKED', params: { device: 'ri-b' } });
      expect(onC.filter((n) => (n as { code: string }).code === 'DEVICE_UNLINKED')).toHaveLength(1);
      expect(onC).toContainEqual({ code: 'CONTACT_ORPHANED', params: { contact: 'ri-x', device: 'ri-b' } });
      expect(contactView(a, a.peers.get(uid)!).orphaned).toBe(true);
      await expect(a.send(uid, 'anyone there?')).rejects.toMatchObject({ code: 'PRIMARY_GONE' });
      // the unlinked device itself is told so, and offers no "invite again" of its own
      await settle(b);
      expect(b.identity.unlinked).not.toBeNull();
      const cOnB = b.findContact('ri-x');
      expect(contactView(b, cOnB).orphaned).toBe(false);
      await expect(b.reinvite(cOnB.uid)).rejects.toMatchObject({ code: 'DEVICE_UNLINKED' });

      const { link } = await a.reinvite(uid);
      await settle(a, c);
      expect(contactView(a, a.peers.get(uid)!)).toMatchObject({ orphaned: false, state: 'invited' });
      expect(c.peers.get(uid)!.primary?.device).toBe(c.deviceSync.deviceById(a.identity.uid)!.uid);
      const again = await x.accept(link, 'ri-a again');
      await settle(x, a, x, a, c);
      expect(a.peers.get(uid)!.state).not.toBe('invited');
      await a.send(uid, 'back again');
      await c.send(uid, 'and from my tablet');
      await settle(c, a, x, a, c);
      expect(texts(a, uid)).toEqual(['hello', 'back again', 'and from my tablet']);
      expect(texts(x, again.uid).filter((t) => t !== '')).toEqual(['back again', 'and from my tablet']);
      await x.send(again.uid, 'hi, new you');
      await settle(x, a, c);
      expect(texts(c, uid)).toContain('hi, new you');
    } finally {
      await Promise.all([a.close(), x.close(), b.close(), c.close()]);
    }
  });
});
