/**
 * A pending invitation of mine (a contact in state "invited"): shown again (its link, kept on
 * this device's record: it holds the key of the card, so it never travels) or cancelled. A
 * cancelled invitation is refused when someone opens it: its short link is deleted from my
 * server (LINK_USED there), and the queue it named is closed (an answer through a long link,
 * which carries its card itself, is refused GONE by the relay). A fresh invitation's contact
 * goes with it; a contact invited again (devices/unlink.ts, reinvite) keeps its conversation
 * and waits, without a link, to be invited again.
 */
import { MeowError } from '../errors.js';
import { contactLock } from '../locks.js';
import { shortLinkOwner } from '../peers/linkKeys.js';
import type { ContactChannel } from '../peers/peer.js';
import { relayServiceError } from '../relay.js';
import { nextVersion } from '../records.js';
import { deleteContact } from './deleteContact.js';
import type { ProfileCore } from './profileCore.js';

function pending(peer: ContactChannel): string {
  if (peer.state !== 'invited' || !peer.inviteLink)
    throw new MeowError('INVITATION_NOT_PENDING', { contact: peer.name });
  return peer.inviteLink;
}

/** The link of a pending invitation made on this device, to show again (INVITATION_NOT_PENDING otherwise). */
export function invitationLink(peer: ContactChannel): { link: string; expiresAt: number } {
  return { link: pending(peer), expiresAt: peer.invitationExpiresAt };
}

/**
 * Cancels a pending invitation made on this device. The server must take the cancellation
 * (a relay error changes nothing here, so the person can try again): otherwise the link
 * would still open.
 */
export async function cancelInvitation(core: ProfileCore, peer: ContactChannel): Promise<'deleted' | 'kept'> {
  pending(peer);
  const server = peer.myPullServers[0];
  if (server) {
    const relay = core.relayFor(server);
    try {
      if (peer.shortLinkId) await relay.deleteInvitation(peer.shortLinkId, shortLinkOwner(peer));
      await relay.closeQueues?.([peer.myLookup]);
    } catch (e) {
      throw relayServiceError(e, server.url);
    }
  }
  if (core.db.messages.summary(peer.uid).count === 0) {
    // Nobody else knows a fresh invitation: gone from this device only.
    await deleteContact(core, peer.uid, false);
    return 'deleted';
  }
  const result = await core.locks.run(contactLock(peer.uid), async () => {
    const cur = core.peers.get(peer.uid);
    if (!cur) return 'deleted' as const;
    const { inviteLink: _dropped, ...rest } = cur;
    await core.peers.put({
      ...rest,
      shortLinkId: '',
      invitationExpiresAt: 0,
      version: nextVersion(cur.version, core.identity.uid),
    });
    return 'kept' as const;
  });
  core.emit('contact', peer.uid);
  return result;
}
