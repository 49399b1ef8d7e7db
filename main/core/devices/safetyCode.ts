/**
 * The short code both machines show during pairing, derived from both sides' keys
 * for this pairing: a person comparing the two screens detects a substituted key
 * before anything private is sent. 8 digits (≈26.5 bits), shown as "1234 5678".
 */
import { bytesEqual, encodeFields } from '../../crypto/bytes.js';
import { sha256 } from '../../crypto/kdf.js';

export function safetyCode(keyA: Uint8Array, keyB: Uint8Array, invitationId: string): string {
  const [first, second] =
    Buffer.compare(Buffer.from(keyA), Buffer.from(keyB)) <= 0 ? [keyA, keyB] : [keyB, keyA];
  if (bytesEqual(first, second)) throw new Error('safety code needs two different keys');
  const digest = sha256(encodeFields('meow/pairing-code/v1', first, second, invitationId));
  const n = new DataView(digest.buffer, digest.byteOffset, 8).getBigUint64(0) % 100_000_000n;
  const digits = n.toString().padStart(8, '0');
  return `${digits.slice(0, 4)} ${digits.slice(4)}`;
}
