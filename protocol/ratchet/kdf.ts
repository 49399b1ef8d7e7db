/**
 * The ratchet's key derivation functions (Signal Double Ratchet spec, §5.2):
 * KDF_RK = HKDF-SHA256(salt = root key, ikm = DH output) → (root key, chain key);
 * KDF_CK = HMAC-SHA256(chain key, 0x01) → message key, HMAC(chain key, 0x02) → next chain key.
 * Message keys expand to an XChaCha20-Poly1305 key and nonce.
 */
import { hkdf, hmacSha256 } from '../crypto/kdf.js';

const ROOT_INFO = 'meow/dr/root/v1';
const MESSAGE_INFO = 'meow/dr/message/v1';
const MESSAGE_KEY_CONSTANT = new Uint8Array([0x01]);
const CHAIN_KEY_CONSTANT = new Uint8Array([0x02]);
const ZERO_SALT = new Uint8Array(32);

/** Counts chain steps so tests can prove that refused input derived nothing. */
export const kdfCounters = { chainSteps: 0, rootSteps: 0 };

export function kdfRoot(
  rootKey: Uint8Array,
  dhOutput: Uint8Array,
): { rootKey: Uint8Array; chainKey: Uint8Array } {
  kdfCounters.rootSteps++;
  const okm = hkdf(dhOutput, rootKey, ROOT_INFO, 64);
  return { rootKey: okm.slice(0, 32), chainKey: okm.slice(32) };
}

export function kdfChain(chainKey: Uint8Array): { chainKey: Uint8Array; messageKey: Uint8Array } {
  kdfCounters.chainSteps++;
  return {
    messageKey: hmacSha256(chainKey, MESSAGE_KEY_CONSTANT),
    chainKey: hmacSha256(chainKey, CHAIN_KEY_CONSTANT),
  };
}

export function messageCipherKeys(messageKey: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const okm = hkdf(messageKey, ZERO_SALT, MESSAGE_INFO, 56);
  return { key: okm.slice(0, 32), nonce: okm.slice(32) };
}
