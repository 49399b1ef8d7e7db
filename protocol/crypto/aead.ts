/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha): 32-byte key, 24-byte nonce, 16-byte tag.
 * Fast path: HChaCha20 (noble) derives the subkey, OpenSSL's ChaCha20-Poly1305 does the
 * bulk work; @noble/ciphers' xchacha20poly1305 is the reference and gives identical bytes.
 *
 * @example
 *   const box = aeadEncrypt(key, plaintext, aad);   // nonce‖ciphertext‖tag
 *   aeadDecrypt(key, box, aad);                      // plaintext, or CryptoError DECRYPT_FAILED
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { hchacha, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { concat, randomBytes } from './bytes.js';
import { CryptoError, requireLength } from './errors.js';

export const AEAD_KEY_LENGTH = 32;
export const AEAD_NONCE_LENGTH = 24;
export const AEAD_TAG_LENGTH = 16;
const EMPTY: Uint8Array = new Uint8Array(0);
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

function words(bytes: Uint8Array): Uint32Array {
  const copy = new Uint8Array(bytes); // aligned copy; x86/ARM hosts are little-endian
  return new Uint32Array(copy.buffer, 0, copy.length / 4);
}

function subkey(key: Uint8Array, nonce: Uint8Array): Uint8Array {
  const out = new Uint32Array(8);
  hchacha(SIGMA, words(key), words(nonce.subarray(0, 16)), out);
  return new Uint8Array(out.buffer);
}

function ietfNonce(nonce: Uint8Array): Uint8Array {
  const n = new Uint8Array(12);
  n.set(nonce.subarray(16, 24), 4);
  return n;
}

/** Encrypts with an explicit nonce: ciphertext‖tag. The nonce must never repeat under one key. */
export function xchachaSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array = EMPTY,
): Uint8Array {
  requireLength(key, AEAD_KEY_LENGTH, 'AEAD key');
  requireLength(nonce, AEAD_NONCE_LENGTH, 'AEAD nonce');
  const cipher = createCipheriv('chacha20-poly1305', subkey(key, nonce), ietfNonce(nonce), {
    authTagLength: AEAD_TAG_LENGTH,
  });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const body = cipher.update(plaintext);
  cipher.final();
  return concat(body, cipher.getAuthTag());
}

/** Decrypts ciphertext‖tag; throws CryptoError('DECRYPT_FAILED') on any tampering. */
export function xchachaOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array = EMPTY,
): Uint8Array {
  requireLength(key, AEAD_KEY_LENGTH, 'AEAD key');
  requireLength(nonce, AEAD_NONCE_LENGTH, 'AEAD nonce');
  if (sealed.length < AEAD_TAG_LENGTH)
    throw new CryptoError('DECRYPT_FAILED', 'ciphertext shorter than its tag');
  const body = sealed.subarray(0, sealed.length - AEAD_TAG_LENGTH);
  const tag = sealed.subarray(sealed.length - AEAD_TAG_LENGTH);
  try {
    const decipher = createDecipheriv('chacha20-poly1305', subkey(key, nonce), ietfNonce(nonce), {
      authTagLength: AEAD_TAG_LENGTH,
    });
    decipher.setAAD(aad, { plaintextLength: body.length });
    decipher.setAuthTag(tag);
    const out = decipher.update(body);
    decipher.final();
    return new Uint8Array(out);
  } catch {
    throw new CryptoError('DECRYPT_FAILED', 'authentication failed: wrong key or tampered data');
  }
}

/** Reference implementation (@noble/ciphers), used by tests to check the fast path. */
export const nobleXchacha = {
  seal: (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY) =>
    xchacha20poly1305(key, nonce, aad).encrypt(plaintext),
  open: (key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array = EMPTY) =>
    xchacha20poly1305(key, nonce, aad).decrypt(sealed),
};

/** Symmetric layer: a random nonce per message, stored in front. nonce‖ciphertext‖tag. */
export function aeadEncrypt(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
  const nonce = randomBytes(AEAD_NONCE_LENGTH);
  return concat(nonce, xchachaSeal(key, nonce, plaintext, aad));
}

export function aeadDecrypt(key: Uint8Array, box: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
  if (box.length < AEAD_NONCE_LENGTH + AEAD_TAG_LENGTH) {
    throw new CryptoError('DECRYPT_FAILED', 'ciphertext too short');
  }
  return xchachaOpen(key, box.subarray(0, AEAD_NONCE_LENGTH), box.subarray(AEAD_NONCE_LENGTH), aad);
}
