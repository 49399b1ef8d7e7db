/**
 * Rotating my keys of one channel through its own ratchet (as SimpleX switches queues):
 * after a device that held them is unlinked, and on a schedule so that an unlink shows
 * neither to contacts nor to the relay.
 *
 *   1. new signing, encryption and lookup keys are staged in the record (durably);
 *   2. a "key_update" carrying their public halves is packed with the CURRENT keys and
 *      ratchet — after everything queued before it — and committed with its ratchet step;
 *   3. the new keys become mine; the old queue (and the key that opens what is sealed to
 *      it) is kept only to drain what the other side sent before it learnt the new keys,
 *      then dropped.
 * The other side verifies the update with the keys it knows, through the ratchet, then
 * sends to the new queue, seals to the new key and checks the new signature. A device
 * that kept a copy of the old keys can no longer read, pull or sign anything new. The
 * layer-2 symmetric key is not rotated (two crossing rotations could not agree on it); it
 * protects nothing on its own — the sealed box and the ratchet do.
 */
import { randomUUID } from 'node:crypto';
import { bytesEqual } from '../../../protocol/crypto/bytes.js';
import { ed25519KeyPair, x25519KeyPair } from '../../../protocol/crypto/curves.js';
import type { ChannelKeys } from '../../../protocol/wire/packing.js';
import { meow } from '../../../protocol/wire/proto.js';
import { MeowError } from '../errors.js';
import { serverRefToCard, validateCard } from './invitation.js';
import { channelKeys, inviterChannelKeys, type Peer } from './peer.js';
import { keepVerification } from './safetyNumber.js';
import { MINUTE_MS, DAY_MS, WEEK_MS } from '../durations.js';

/** How long a retired queue is still drained, and an old signing key of the other side accepted. */
export const RETIRED_DRAIN_MS = WEEK_MS;
/** Every channel I drive rotates at least this often. */
export const ROTATE_EVERY_MS = 30 * DAY_MS;
const CARD_VERSION = 1;

/** Step 1: new keys staged (a rotation already staged keeps its keys). */
export function stageRotation<T extends Peer>(peer: T): T {
  if (peer.rotation) return peer;
  return {
    ...peer,
    rotation: {
      identity: ed25519KeyPair(),
      encryption: x25519KeyPair(),
      lookup: ed25519KeyPair(),
      symKey: peer.symKey,
    },
  };
}

/** Step 2's message: the staged keys' public halves, for the other side. */
export function keyUpdateMessage(peer: Peer, now = Date.now()): meow.IUserMessage {
  const r = peer.rotation;
  if (!r) throw new Error(`no rotation staged for ${peer.uid}`);
  return {
    type: 'key_update',
    invitation: {
      contactPublicKey: r.identity.publicKey,
      encryptionPublicKey: r.encryption.publicKey,
      lookupPublicKey: r.lookup.publicKey,
      pullServers: peer.myPullServers.map(serverRefToCard),
      invitationId: peer.invitationId,
      version: CARD_VERSION,
      kind: peer.type,
    },
    status: { uuid: randomUUID(), sent: now },
  };
}

/** Step 3: the staged keys become mine; the old queue is drained until RETIRED_DRAIN_MS from now. */
export function switchKeys<T extends Peer>(peer: T, now = Date.now()): T {
  const r = peer.rotation;
  if (!r) return peer;
  const switched: T = {
    ...peer,
    myIdentity: r.identity,
    myEncryption: r.encryption,
    myLookup: r.lookup,
    symKey: r.symKey,
    retired: [
      ...liveRetired(peer, now),
      {
        lookup: peer.myLookup,
        encryption: peer.myEncryption,
        symKey: peer.symKey,
        until: now + RETIRED_DRAIN_MS,
      },
    ],
    // A second rotation before the first was confirmed keeps the key the other side surely knows.
    oldSigner: peer.oldSigner ?? { key: peer.myIdentity, until: now + RETIRED_DRAIN_MS },
    rotation: null,
    rotatedAt: now,
  };
  return keepVerification(peer, switched);
}

/** The other side's key_update, checked: its new keys replace the ones I knew; the old signing key stays accepted a while. */
export function applyKeyUpdate<T extends Peer>(peer: T, card: meow.IContactCard, now = Date.now()): T {
  const k32 = (b: Uint8Array | null | undefined): b is Uint8Array =>
    b instanceof Uint8Array && b.length === 32;
  if (!k32(card.contactPublicKey) || !k32(card.encryptionPublicKey) || !k32(card.lookupPublicKey))
    throw new MeowError('REFUSED', { detail: 'key_update: a key is missing or has the wrong length' });
  if (card.kind !== peer.type || card.invitationId !== peer.invitationId)
    throw new MeowError('REFUSED', { detail: 'key_update: not for this channel' });
  const servers = validateCard(meow.ContactCard.create(card), false);
  const previous = peer.contactPublicKey
    ? [
        ...peer.previousContactKeys.filter((k) => k.until > now),
        { key: peer.contactPublicKey, until: now + RETIRED_DRAIN_MS },
      ]
    : peer.previousContactKeys;
  const updated: T = {
    ...peer,
    contactPublicKey: new Uint8Array(card.contactPublicKey),
    contactEncryption: new Uint8Array(card.encryptionPublicKey),
    contactLookupKey: new Uint8Array(card.lookupPublicKey),
    contactPullServers: servers,
    previousContactKeys: previous,
  };
  return keepVerification(peer, updated);
}

/**
 * The keys I pack with: until the other side has shown it knows my new keys, my previous
 * signing key signs (its relay admits only the sender keys it registered, and it accepts
 * the previous one for RETIRED_DRAIN_MS after the update), so nothing sent meanwhile is refused.
 */
export function sendingKeys(peer: Peer, now = Date.now(), reset = false): ChannelKeys {
  const keys = channelKeys(peer);
  const old = peer.oldSigner;
  // A contact's messages after a rotation travel on a new session the old key knows nothing
  // of (peers/rekey.ts): the old key signs only resets (mine crossing a rotation of theirs).
  if (peer.type === 'contact' && !reset) return keys;
  return old && old.until > now ? { ...keys, myIdentity: old.key } : keys;
}

/** How long the other side's previous signing key is still accepted once its new one was seen. */
export const PREVIOUS_KEY_GRACE_MS = 10 * MINUTE_MS;

/**
 * What a verified message teaches about rotations, the same record otherwise:
 *   - it came to my current queue: the other side applied my update, so my new signing key
 *     takes over (the old one is forgotten);
 *   - it was signed by the other side's current key: it has switched, so its previous key
 *     is accepted only a little longer (for what it sent before, still in flight) — a stolen
 *     copy of that key can then no longer sign for it.
 */
export function afterVerified<T extends Peer>(
  peer: T,
  destination: Uint8Array,
  signedByPrevious: boolean,
  now = Date.now(),
): T {
  let next = peer;
  if (peer.oldSigner && bytesEqual(destination, peer.myLookup.publicKey)) next = { ...next, oldSigner: null };
  const cut = now + PREVIOUS_KEY_GRACE_MS;
  if (!signedByPrevious && peer.previousContactKeys.some((k) => k.until > cut))
    next = {
      ...next,
      previousContactKeys: peer.previousContactKeys.map((k) => ({ ...k, until: Math.min(k.until, cut) })),
    };
  return next;
}

/** Retired queues still drained at `now`. */
export function liveRetired(peer: Peer, now = Date.now()) {
  return peer.retired.filter((r) => r.until > now);
}

/** The keys that open a message which arrived on `lookup` (my current queue or a retired one), or null. */
export function keysForQueue(peer: Peer, lookup: Uint8Array, now = Date.now()): ChannelKeys | null {
  const base: ChannelKeys = {
    ...(peer.state === 'invited' ? inviterChannelKeys(peer) : channelKeys(peer)),
    contactPreviousKeys: peer.previousContactKeys.filter((k) => k.until > now).map((k) => k.key),
  };
  if (bytesEqual(peer.myLookup.publicKey, lookup)) return base;
  const r = peer.retired.find((x) => bytesEqual(x.lookup.publicKey, lookup));
  return r ? { ...base, myLookup: r.lookup, myEncryption: r.encryption, symKey: r.symKey } : null;
}
