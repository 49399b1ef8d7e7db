/**
 * The short code both machines show while pairing, over a committed transcript (a short
 * authenticated string, as in ZRTP), so that whoever can swap the pairing link cannot
 * grind keys to make the two screens agree:
 *
 *   1. the NEW device picks a secret nonce Nn and puts commit = H(Nn, its keys, invitation id)
 *      in the card its link points to;
 *   2. the EXISTING device answers with its own keys and a fresh nonce Ne;
 *   3. only then does the new device reveal Nn; the existing device checks it against commit;
 *   4. both show code = H(commit, both cards' keys, invitation id, Nn, Ne) as 8 digits.
 *
 * A link-swapper must fix its own card (and commit) before it sees Ne, and must answer the
 * real new device before it sees Nn: each side's code depends on a nonce it could not know
 * when it chose, so the two screens agree with probability 10^-8 per attempt, and each
 * attempt is a visible pairing. See docs/pairing.md.
 */
import { bytesEqual, encodeFields } from '../../../protocol/crypto/bytes.js';
import { sha256 } from '../../../protocol/crypto/kdf.js';

export interface PairingKeys {
  /** Ed25519: signs what the device sends on the channel. */
  identity: Uint8Array;
  /** X25519: what messages to the device are sealed to. */
  encryption: Uint8Array;
}

/** The new device's commitment to its nonce and card (carried in the pairing link). */
export function pairingCommitment(
  nonce: Uint8Array,
  newDevice: PairingKeys,
  invitationId: string,
): Uint8Array {
  return sha256(
    encodeFields('meow/pairing-commit/v2', nonce, newDevice.identity, newDevice.encryption, invitationId),
  );
}

/** Whether a revealed nonce opens the commitment of the link. */
export function opensCommitment(
  commitment: Uint8Array,
  nonce: Uint8Array,
  newDevice: PairingKeys,
  invitationId: string,
): boolean {
  return nonce.length === 32 && bytesEqual(pairingCommitment(nonce, newDevice, invitationId), commitment);
}

/** The code both screens show, "1234 5678". */
export function pairingCode(t: {
  commitment: Uint8Array;
  newDevice: PairingKeys;
  existingDevice: PairingKeys;
  invitationId: string;
  newNonce: Uint8Array;
  existingNonce: Uint8Array;
}): string {
  if (bytesEqual(t.newDevice.identity, t.existingDevice.identity))
    throw new Error('safety code needs two different keys');
  const digest = sha256(
    encodeFields(
      'meow/pairing-code/v2',
      t.commitment,
      t.newDevice.identity,
      t.newDevice.encryption,
      t.existingDevice.identity,
      t.existingDevice.encryption,
      t.invitationId,
      t.newNonce,
      t.existingNonce,
    ),
  );
  const n = new DataView(digest.buffer, digest.byteOffset, 8).getBigUint64(0) % 100_000_000n;
  const digits = n.toString().padStart(8, '0');
  return `${digits.slice(0, 4)} ${digits.slice(4)}`;
}
