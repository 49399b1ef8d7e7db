/**
 * Sender authorization, client side: every queue I pull on a relay is registered
 * there with the one key allowed to post to it — the other side's signing key of that
 * channel (contact or device channel alike), which signs every PackedUserMessage they
 * send. From then on the relay refuses anyone else's messages to that queue
 * (NOT_AUTHORIZED), so knowing a lookup key — from an old invitation link, say — is
 * no longer enough to fill it.
 *
 * Called before every pull (one line in the poll path), so every way a channel comes
 * to exist is covered without a hook of its own: an invitation I answered (the
 * inviter's key is in the card), one of mine that was answered (the answer carries
 * the key), a pairing on either side, a channel minted by a sibling, a handover, and
 * peers made before relays knew sender keys. A queue whose other side is not known
 * yet (an invitation still waiting for its answer) stays open, bounded small by the
 * relay. Registrations are remembered per relay connection and refreshed twice a day
 * (relays keep them for a week or their retention time, whichever is longer), so a
 * steady poll loop costs nothing; a key rotation registers a new set (old and new
 * while messages packed under the old one may still arrive), which replaces the old.
 */
import { toHex } from '../../../protocol/crypto/bytes.js';
import type { Logger } from '../log.js';
import type { Relay } from '../relay.js';
import type { Peer } from './peer.js';
import { HOUR_MS } from '../durations.js';

/** How often a registration is repeated (relays keep one at least 7 days). */
export const SECURE_REFRESH_MS = 12 * HOUR_MS;
/** Queues per registration request (the relay's per-request key bound is 256 by default). */
const PER_REQUEST = 100;

const registered = new WeakMap<Relay, Map<string, number>>();

/**
 * The sender keys a queue of `peer` should accept: the other side's key, once known, and
 * for a while after it rotated, its previous one (messages it packed before may still come).
 */
export function sendersFor(peer: Peer, now = Date.now()): Uint8Array[] {
  if (!peer.contactPublicKey) return [];
  const previous = peer.previousContactKeys.filter((k) => k.until > now).map((k) => k.key);
  return [peer.contactPublicKey, ...previous].slice(0, 4);
}

/**
 * Registers, on `relay`, the senders of each of `peers`' queues not registered there
 * lately. Best effort: a failure is logged and retried on the next pull; the pull
 * itself goes ahead either way.
 */
export async function secureQueues(
  relay: Relay,
  peers: Peer[],
  log: Logger,
  now = Date.now(),
): Promise<void> {
  if (!relay.secure) return;
  let done = registered.get(relay);
  if (!done) registered.set(relay, (done = new Map<string, number>()));
  const todo: { lookup: Peer['myLookup']; senders: Uint8Array[]; id: string }[] = [];
  for (const p of peers) {
    const senders = sendersFor(p, now);
    if (!senders.length) continue;
    // My current queue and the retired ones still drained take the same senders.
    for (const lookup of [p.myLookup, ...p.retired.filter((r) => r.until > now).map((r) => r.lookup)]) {
      const id = `${toHex(lookup.publicKey)}:${senders.map(toHex).join(',')}`;
      if (now - (done.get(id) ?? -Infinity) < SECURE_REFRESH_MS) continue;
      todo.push({ lookup, senders, id });
    }
  }
  for (let i = 0; i < todo.length; i += PER_REQUEST) {
    const chunk = todo.slice(i, i + PER_REQUEST);
    try {
      await relay.secure(chunk.map(({ lookup, senders }) => ({ lookup, senders })));
      for (const c of chunk) done.set(c.id, now);
    } catch (e) {
      log.warn('could not register sender keys with the relay (retried on the next pull)', {
        queues: chunk.length,
        error: (e as Error).message,
      });
      return;
    }
  }
}
