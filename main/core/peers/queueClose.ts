/**
 * Closing a contact's retired queues at the relay (issue 20, finding 3). After a rotation
 * (peers/rekey.ts) the contact moves to my new queue, and whatever it sent to the old one
 * was sent on the old session, which I no longer read: the contact sends it again once it
 * takes the rotation (receive/sessionReset.ts re-sends what I never confirmed, and its rows
 * refused meanwhile are packed again for the new queue). So the old queue is closed at once
 * — what it still holds handed to me once and deleted (a rotation of the contact's crossing
 * mine may be among it), every later post refused GONE, pulls and sender registrations
 * refused — and a copy of its lookup key (an unlinked ex-primary) finds nothing there to
 * take or delete. Closes are remembered per relay connection (a restart closes again: the
 * relay answers the same). A relay that cannot close (an older one) is drained as before.
 */
import { toHex } from '../../../protocol/crypto/bytes.js';
import type { KeyPair } from '../../../protocol/crypto/curves.js';
import type { meow } from '../../../protocol/wire/proto.js';
import type { Logger } from '../log.js';
import type { Relay } from '../relay.js';
import type { Peer } from './peer.js';
import { liveRetired } from './rotation.js';

const closed = new WeakMap<Relay, Set<string>>();

/** Whether `lookup` was closed on `relay` (it is then no longer pulled there). */
export function closedOn(relay: Relay, lookup: KeyPair): boolean {
  return closed.get(relay)?.has(toHex(lookup.publicKey)) ?? false;
}

/**
 * Closes the retired queues of `peers`' contacts not closed on `relay` yet; returns what they
 * still held (received like a pull's). Best effort: retried on the next pull.
 */
export async function closeRetired(
  relay: Relay,
  peers: Peer[],
  log: Logger,
  now = Date.now(),
): Promise<meow.DeliveredMessage[]> {
  if (!relay.closeQueues) return [];
  let done = closed.get(relay);
  if (!done) closed.set(relay, (done = new Set<string>()));
  const todo = peers
    .filter((p) => p.type === 'contact')
    .flatMap((p) => liveRetired(p, now).map((r) => r.lookup))
    .filter((k) => !done.has(toHex(k.publicKey)));
  if (!todo.length) return [];
  try {
    const { messages } = await relay.closeQueues(todo);
    for (const k of todo) done.add(toHex(k.publicKey));
    return messages;
  } catch (e) {
    log.warn('could not close retired queues at the relay (retried on the next pull)', {
      queues: todo.length,
      error: (e as Error).message,
    });
    return [];
  }
}
