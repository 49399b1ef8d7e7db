/**
 * Sealed box: anonymous public-key encryption to an X25519 key.
 * box = ephemeralPublic(32) ‖ XChaCha20-Poly1305(key, nonce, plaintext, aad)
 * where key‖nonce = HKDF(X25519(eph, recipient), salt = ephemeralPublic ‖ recipientPublic).
 * A fresh ephemeral key per box means the derived nonce never repeats under a key.
 *
 * @example
 *   const box = seal(recipient.publicKey, bytes);
 *   open(recipient, box); // bytes
 */
import { concat } from './bytes.js';
import { xchachaOpen, xchachaSeal, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH } from './aead.js';
import { KEY_LENGTH, x25519, x25519KeyPair, type KeyPair } from './curves.js';
import { CryptoError } from './errors.js';
import { hkdf } from './kdf.js';

const INFO = 'meow/sealed-box/v1';
export const SEALED_BOX_OVERHEAD = KEY_LENGTH + AEAD_TAG_LENGTH;

function boxKeys(shared: Uint8Array, ephemeralPublic: Uint8Array, recipientPublic: Uint8Array) {
  const okm = hkdf(shared, concat(ephemeralPublic, recipientPublic), INFO, 32 + AEAD_NONCE_LENGTH);
  return { key: okm.subarray(0, 32), nonce: okm.subarray(32) };
}

/** Seals `plaintext` so only the holder of `recipientPublic`'s private key can open it. */
export function seal(
  recipientPublic: Uint8Array,
  plaintext: Uint8Array,
  aad?: Uint8Array,
  ephemeral?: KeyPair,
): Uint8Array {
  const eph = ephemeral ?? x25519KeyPair();
  const shared = x25519(eph, recipientPublic);
  const { key, nonce } = boxKeys(shared, eph.publicKey, recipientPublic);
  return concat(eph.publicKey, xchachaSeal(key, nonce, plaintext, aad));
}

/** Opens a sealed box; CryptoError on a bad ephemeral key or any tampering. */
export function open(recipient: KeyPair, box: Uint8Array, aad?: Uint8Array): Uint8Array {
  if (box.length < SEALED_BOX_OVERHEAD) throw new CryptoError('DECRYPT_FAILED', 'sealed box too short');
  const ephemeralPublic = box.subarray(0, KEY_LENGTH);
  const shared = x25519(recipient, ephemeralPublic, true); // a new ephemeral key per box
  const { key, nonce } = boxKeys(shared, ephemeralPublic, recipient.publicKey);
  return xchachaOpen(key, nonce, box.subarray(KEY_LENGTH), aad);
}
