/**
 * A pending invitation (issue 24, finding 5): shown again with the same link, and cancelled —
 * its short link deleted from the relay, so that opening it afterwards is refused with a clear
 * error (LINK_USED: "already used, cancelled or has expired"), and its contact gone. An
 * answered invitation cannot be shown again nor cancelled (INVITATION_NOT_PENDING).
 */
import { describe, expect, it } from 'vitest';
import { useEnv } from '../core/harness.js';
import { befriendServices, newIdentity, nextEvent } from './helpers.js';

describe('pending invitations', () => {
  const env = useEnv();

  it('shows a pending invitation again, then cancels it: the link is refused afterwards', async () => {
    const alice = await newIdentity(env, 'alice-inv');
    const bob = await newIdentity(env, 'bob-inv');
    try {
      const inv = await alice.invite({ name: 'Bob' });
      expect(await alice.invitation(inv.contactId)).toEqual(inv);
      const removed = nextEvent(alice, 'contact:removed', (e) => e.contactId === inv.contactId);
      expect(await alice.cancelInvitation(inv.contactId)).toEqual({ removed: true });
      await removed;
      expect((await alice.contacts()).map((c) => c.id)).not.toContain(inv.contactId);
      expect((await alice.conversations()).map((c) => c.contact.id)).not.toContain(inv.contactId);

      const refused = await bob.acceptInvite({ link: inv.link }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'LINK_USED' });
      expect((refused as Error).message).toMatch(/cancelled/);
      await expect(bob.previewInvite({ link: inv.link })).rejects.toMatchObject({ code: 'LINK_USED' });
      expect(await bob.contacts()).toEqual([]);
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  it('an answered invitation is neither shown again nor cancelled', async () => {
    const alice = await newIdentity(env, 'alice-inv2');
    const bob = await newIdentity(env, 'bob-inv2');
    try {
      const { bOnA } = await befriendServices(alice, bob);
      await expect(alice.invitation(bOnA)).rejects.toMatchObject({ code: 'INVITATION_NOT_PENDING' });
      await expect(alice.cancelInvitation(bOnA)).rejects.toMatchObject({ code: 'INVITATION_NOT_PENDING' });
      expect((await alice.contacts()).map((c) => c.id)).toContain(bOnA);
    } finally {
      await alice.close();
      await bob.close();
    }
  });
});
