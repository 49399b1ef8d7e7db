/**
 * Deleting a contact (issue 24, finding 5): gone from this device and — through a
 * "contact_delete" change — from all my devices: its conversation (messages, files, search
 * entries, list state), what was queued for it, and its channel keys and ratchet. The device
 * that drives it (the one holding its keys) closes its queues on the relay, so whatever the
 * contact still sends is refused (GONE) instead of waiting there. The contact is not told.
 * A tombstone (in the sealed conversation_state table, under its own key) keeps a sibling's
 * change that crossed the deletion from bringing the contact back.
 */
import type { Core } from '../core.js';
import { isRelayError } from '../relay.js';
import { contactLock } from '../locks.js';
import { shortLinkOwner } from '../peers/linkKeys.js';
import type { ContactChannel } from '../peers/peer.js';
import { liveRetired } from '../peers/rotation.js';
import { forgotten } from './forgetConversation.js';

const tombstone = (uid: string) => `deleted-contact/${uid}`;

/** Whether this contact was deleted here or on another of my devices (it must not come back). */
export function wasDeleted(core: Core, uid: string): boolean {
  return core.db.conversationState.get(tombstone(uid)) !== undefined;
}

/**
 * Deletes the contact here; `tellSiblings`: this device is where the person deleted it (the
 * change goes to my other devices in the same transaction).
 */
export async function deleteContact(core: Core, uid: string, tellSiblings: boolean): Promise<void> {
  const peer = core.peers.get(uid);
  if (peer && !peer.primary) await closeQueues(core, peer);
  const removed = await core.locks.run(contactLock(uid), async () => {
    const rows = core.db.sql.db.transaction(() => {
      const gone = core.db.messages.forgetUpTo(uid, Number.MAX_SAFE_INTEGER);
      core.db.messages.deleteConversation(uid); // what is left: actions without their message, the outbox
      core.db.conversationState.drop(uid);
      core.db.conversationState.put(tombstone(uid), { at: Date.now() });
      if (tellSiblings) core.db.outbox.enqueue(core.fanOut({ type: 'contact_delete', peerUid: uid }));
      return gone;
    })();
    if (core.peers.get(uid)) await core.peers.delete(uid); // its keys and ratchet are erased
    return rows;
  });
  await forgotten(core, uid, Number.MAX_SAFE_INTEGER, removed);
  core.emit('contact', uid); // the service says contact:removed
  if (tellSiblings) core.kickSend();
  core.kickPoll(); // its queues are no longer pulled
}

/** Its queues at the relay closed, and an invitation's short link deleted (best effort: they also expire). */
async function closeQueues(core: Core, peer: ContactChannel): Promise<void> {
  const server = peer.myPullServers[0];
  if (!server) return;
  const relay = core.relayFor(server);
  try {
    if (peer.state === 'invited' && peer.shortLinkId)
      await relay.deleteInvitation(peer.shortLinkId, shortLinkOwner(peer)).catch((e: unknown) => {
        if (!isRelayError(e) || e.code !== 'NOT_FOUND') throw e; // deleted already (a cancelled invitation)
      });
    await relay.closeQueues?.([peer.myLookup, ...liveRetired(peer).map((r) => r.lookup)]);
  } catch (e) {
    core.log.warn('could not close a deleted contact’s queues at the relay (they expire)', {
      error: (e as Error).message,
    });
  }
}
