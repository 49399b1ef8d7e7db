import { toHex } from '../crypto/bytes.js';
import { sha256 } from '../crypto/kdf.js';

/**
 * A queued message's id: the first 16 bytes of SHA-256 over its encoded
 * PackedUserMessage, in hex. Posting the same bytes twice yields the same id, so
 * a client retrying after a lost reply cannot create a duplicate on the server,
 * and a receiver can drop a redelivery by id before any ratchet work.
 */
export function messageId(packedBytes: Uint8Array): string {
  return toHex(sha256(packedBytes).subarray(0, 16));
}
