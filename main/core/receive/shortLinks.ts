import type { Core } from '../core.js';
import { shortLinkOwner } from '../peers/linkKeys.js';
import type { Peer } from '../peers/peer.js';

/** The short link's sealed card is no longer needed once answered (best effort; it also expires). */
export async function deleteShortLink(core: Core, peer: Peer): Promise<void> {
  const server = peer.myPullServers[0];
  if (!server) return;
  try {
    await core.relayFor(server).deleteInvitation(peer.shortLinkId, shortLinkOwner(peer));
  } catch (e) {
    core.log.info('could not delete an answered invitation from the server', { error: String(e) });
  }
}
