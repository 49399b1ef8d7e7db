/**
 * Double Ratchet message header, fixed-length so its encoding is unambiguous:
 * version(1) ‖ ratchet public key(32) ‖ PN(u32 BE) ‖ N(u32 BE) = 41 bytes.
 */
import { KEY_LENGTH } from '../crypto/curves.js';
import { RatchetError } from './errors.js';

export const HEADER_VERSION = 1;
export const HEADER_LENGTH = 1 + KEY_LENGTH + 4 + 4;

export interface RatchetHeader {
  dh: Uint8Array;
  pn: number;
  n: number;
}

export function encodeHeader(header: RatchetHeader): Uint8Array {
  const out = new Uint8Array(HEADER_LENGTH);
  const view = new DataView(out.buffer);
  out[0] = HEADER_VERSION;
  out.set(header.dh, 1);
  view.setUint32(1 + KEY_LENGTH, header.pn, false);
  view.setUint32(1 + KEY_LENGTH + 4, header.n, false);
  return out;
}

export function decodeHeader(bytes: Uint8Array): RatchetHeader {
  if (bytes.length !== HEADER_LENGTH) {
    throw new RatchetError(
      'MALFORMED_HEADER',
      `ratchet header must be ${HEADER_LENGTH} bytes, got ${bytes.length}`,
    );
  }
  if (bytes[0] !== HEADER_VERSION)
    throw new RatchetError('MALFORMED_HEADER', `unknown ratchet header version ${bytes[0]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    dh: bytes.slice(1, 1 + KEY_LENGTH),
    pn: view.getUint32(1 + KEY_LENGTH, false),
    n: view.getUint32(1 + KEY_LENGTH + 4, false),
  };
}
