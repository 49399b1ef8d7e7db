/**
 * Keys of invitation and pairing short links that are not the channel's own:
 *
 * - the one-time owner key of a stored invitation card: derived from the channel's
 *   private signing key and the invitation id (HKDF), so it needs no storage, can
 *   delete the card later, and — unlike the signing key itself, which every message
 *   of the conversation is signed with — tells the relay nothing that links the
 *   short link to the conversation it starts;
 * - the server fingerprint a link carries (`f=`), so whoever opens it pins the
 *   server's card to the key the link's author pinned, instead of trusting whatever
 *   answers at that address the first time (a card fetched over plain http can be
 *   swapped on the way).
 *
 * @example
 *   await relay.putInvitation(blob, expiresAt, shortLinkOwner(peer));
 *   const link = shortLink('invite', server.url, id, key, serverFingerprint(server));
 *   checkServerFingerprint(pinned, parsed.fingerprint); // throws MeowError('SERVER') on a mismatch
 */
import {
  bytesEqual,
  encodeFields,
  fromBase64,
  fromBase64Url,
  toBase64Url,
} from '../../../protocol/crypto/bytes.js';
import { ed25519KeyPair, type KeyPair } from '../../../protocol/crypto/curves.js';
import { hkdf, sha256 } from '../../../protocol/crypto/kdf.js';
import { MeowError } from '../errors.js';
import type { ServerRef } from '../records.js';
import type { Peer } from './peer.js';

/** The owner key of `peer`'s stored invitation card (short link), the same every time it is derived. */
export function shortLinkOwner(peer: Pick<Peer, 'myIdentity' | 'invitationId'>): KeyPair {
  const seed = hkdf(
    peer.myIdentity.privateKey,
    new Uint8Array(0),
    encodeFields('meow/short-link-owner/v1', peer.invitationId),
    32,
  );
  return ed25519KeyPair(seed);
}

/** Bytes of a fingerprint: 128 bits of SHA-256 over the server's card-signing key. */
const FINGERPRINT_BYTES = 16;

function fingerprintOf(signingKey: Uint8Array): Uint8Array {
  return sha256(encodeFields('meow/server-fingerprint/v1', signingKey)).subarray(0, FINGERPRINT_BYTES);
}

/** The fingerprint a link carries for `server` (base64url, 22 characters). */
export function serverFingerprint(server: Pick<ServerRef, 'signingKey'>): string {
  return toBase64Url(fingerprintOf(fromBase64(server.signingKey)));
}

/** Whether `text` has the shape of a fingerprint (parseLink refuses anything else). */
export function isFingerprint(text: string): boolean {
  return /^[A-Za-z0-9_-]{22}$/.test(text);
}

/**
 * Checks the card just pinned for a link's server against the fingerprint the link
 * carries. A link without one (made by an older version) is trusted on first use.
 */
export function checkServerFingerprint(server: ServerRef, fingerprint: string | undefined): void {
  if (!fingerprint) return;
  if (bytesEqual(fingerprintOf(fromBase64(server.signingKey)), fromBase64Url(fingerprint))) return;
  throw new MeowError('SERVER_MISMATCH', { url: server.url });
}
