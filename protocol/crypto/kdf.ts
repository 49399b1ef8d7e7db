/**
 * HKDF-SHA256 and HMAC-SHA256 (Node's OpenSSL; @noble/hashes is the reference in tests).
 *
 * @example
 *   const okm = hkdf(sharedSecret, salt, 'meow/sealed-box/v1', 56);
 */
import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { utf8 } from './bytes.js';

/** HKDF-SHA256 (RFC 5869). `info` strings separate every use. */
export function hkdf(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: string | Uint8Array,
  length: number,
): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, salt, typeof info === 'string' ? utf8(info) : info, length));
}

/** HMAC-SHA256 (RFC 2104). */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(data).digest());
}

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}
