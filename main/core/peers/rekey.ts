/**
 * A rotation of my keys of a contact's channel that a stolen copy cannot follow.
 *
 * Whoever kept a copy of a device that held the channel (an unlinked ex-primary) has the
 * old signing, encryption and lookup keys and a ratchet: it could advance that ratchet
 * (a receiver accepts skipping ahead) and sign with the old key. So the new keys travel
 * in a session reset (peers/session.ts), not through the old ratchet:
 *   - its new session's root mixes DH(ephemeral, the contact's key) and DH(my NEW
 *     encryption key, the contact's key): nothing in the stolen copy derives it;
 *   - from then on my messages are signed with the new key only, and wait for the contact's
 *     answer on the new session (a reset's sender receives first); the old key signs nothing
 *     but a reset of mine until the contact is heard on my new queue (a rotation of its own
 *     that crossed mine and lost the tie is sent again that way: it knows no other key of mine);
 *   - the contact, once it took the reset, accepts neither the old signing key (not even
 *     for a grace period) nor any message of the old session, and registers only the new
 *     key with its relay, which drops the old one.
 * The reset itself is signed with the old key (the only one the contact and its relay know)
 * and is refused if replayed (its ephemeral key is remembered). Its ephemeral key is
 * derived from the staged encryption key and the epoch, so a rotation interrupted by a
 * crash after its reset was packed finishes with the same session (messenger/rotationSchedule.ts).
 * My devices' channels do not reset; they keep the key_update of peers/rotation.ts.
 */
import { bytesEqual, toHex } from '../../../protocol/crypto/bytes.js';
import { x25519KeyPair, type KeyPair } from '../../../protocol/crypto/curves.js';
import { hkdf } from '../../../protocol/crypto/kdf.js';
import { meow } from '../../../protocol/wire/proto.js';
import { MeowError } from '../errors.js';
import type { ContactChannel } from './peer.js';
import { applyKeyUpdate, keyUpdateMessage, switchKeys } from './rotation.js';
import { acceptReset, startReset } from './session.js';

/** The ephemeral key of a rotation's reset, from its new encryption key (see above: the same after a crash). */
function rekeyEphemeral(keys: { encryption: KeyPair }, epoch: number): KeyPair {
  return x25519KeyPair(hkdf(keys.encryption.privateKey, new Uint8Array(0), `meow/rekey/v1/${epoch}`, 32));
}

/** Whether the reset of mine waiting for its answer is a rotation's (its answer then tells nobody anything). */
export function rotationPending(peer: ContactChannel): boolean {
  if (!peer.session.mine) return false;
  const eph = rekeyEphemeral({ encryption: peer.myEncryption }, peer.session.epoch);
  return toHex(eph.publicKey) === peer.session.mine;
}

/** The reset that carries a staged rotation's new keys to the contact. */
export function rotationReset(peer: ContactChannel): meow.ISessionReset {
  const staged = peer.rotation;
  if (!staged) throw new Error(`no rotation staged for ${peer.uid}`);
  if (!peer.contactEncryption) throw new Error(`peer ${peer.uid} has no contact keys yet`);
  const epoch = peer.session.epoch + 1;
  return {
    epoch,
    ephemeralKey: rekeyEphemeral(staged, epoch).publicKey,
    keys: meow.ContactCard.create(keyUpdateMessage(peer).invitation!),
    receiverKey: peer.contactEncryption,
  };
}

/**
 * After the reset was packed: the staged keys become mine (the old queue is drained a while,
 * the old signing key signs nothing more) and the new session waits for the contact's answer.
 */
export function switchRekeyed(peer: ContactChannel, now = Date.now()): ContactChannel {
  const staged = peer.rotation;
  if (!staged || !peer.contactEncryption) return peer;
  const epoch = peer.session.epoch + 1;
  return startReset(switchKeys(peer, now), epoch, rekeyEphemeral(staged, epoch)).peer;
}

/**
 * My rotation's reset again, for the contact's new queue: its rotation crossed mine and lost
 * the tie, and mine may never have reached it (its old queue closed meanwhile). The same
 * session (epoch, ephemeral key, rooted on `receiverKey`, the contact's key it was derived
 * with); a contact that did take it answers it again.
 */
export function resentRotation(peer: ContactChannel, receiverKey: Uint8Array): meow.ISessionReset {
  const epoch = peer.session.epoch;
  const card = keyUpdateMessage({
    ...peer,
    rotation: {
      identity: peer.myIdentity,
      encryption: peer.myEncryption,
      lookup: peer.myLookup,
      symKey: peer.symKey,
    },
  }).invitation!;
  return {
    epoch,
    ephemeralKey: rekeyEphemeral({ encryption: peer.myEncryption }, epoch).publicKey,
    keys: meow.ContactCard.create(card),
    receiverKey,
  };
}

/** Whether a reset from the contact carries a rotation of its keys. */
export function carriesKeys(reset: meow.ISessionReset): boolean {
  return !!reset.keys;
}

/**
 * The contact's new keys from its rotation reset: they replace the ones I knew and its
 * previous signing key is no longer accepted at all. Throws (REFUSED) on a malformed card.
 */
export function takeRotatedKeys(peer: ContactChannel, reset: meow.ISessionReset): ContactChannel {
  const updated = applyKeyUpdate(peer, reset.keys ?? {});
  return { ...updated, previousContactKeys: [] };
}

/** My encryption key the reset's root was derived with: the current one, or one still held (a rotation of mine crossed it). */
export function receiverKeyFor(peer: ContactChannel, reset: meow.ISessionReset): { key: KeyPair } {
  const want = reset.receiverKey;
  const held = [
    { key: peer.myEncryption },
    ...(peer.rotation ? [{ key: peer.rotation.encryption }] : []),
    ...peer.retired.map((r) => ({ key: r.encryption })),
  ];
  if (!want || want.length === 0) return held[0]!;
  const k = held.find((c) => bytesEqual(c.key.publicKey, want));
  if (!k)
    throw new MeowError('REFUSED', { detail: 'session reset: derived with a key this channel never had' });
  return k;
}

/** The session a contact's reset starts, rooted on the key it names (acceptReset otherwise). */
export function acceptResetFor(peer: ContactChannel, reset: meow.ISessionReset): ContactChannel {
  const mine = receiverKeyFor(peer, reset);
  return acceptReset(peer, reset, mine.key);
}
