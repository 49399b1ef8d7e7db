/**
 * Byte helpers shared by every layer. Pure, over Uint8Array.
 */
import { randomFillSync, timingSafeEqual } from 'node:crypto';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

// Small requests (nonces, keys: every message takes a few) are served from a pool filled
// by one CSPRNG call: a call costs ~25 µs on a busy machine, whatever its size. What is
// handed out is zeroed in the pool at once; the pool only holds bytes not yet used.
const POOL_SIZE = 4096;
const POOLED_MAX = 64;
const pool = new Uint8Array(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** Cryptographically secure random bytes. */
export function randomBytes(length: number): Uint8Array {
  if (length > POOLED_MAX) return randomFillSync(new Uint8Array(length));
  if (poolOffset + length > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.slice(poolOffset, poolOffset + length);
  pool.fill(0, poolOffset, poolOffset + length);
  poolOffset += length;
  return out;
}

/** Concatenates byte arrays. `concat(a, b)` → a‖b. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Constant-time equality (length leaks, content does not). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Strict UTF-8 decode: malformed input throws instead of producing U+FFFD. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError('invalid hex string');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

export function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new TypeError('invalid base64url string');
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function fromBase64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new TypeError('invalid base64 string');
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** Big-endian unsigned 32-bit encoding. */
export function u32be(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
    throw new RangeError(`not a u32: ${value}`);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}

/** Big-endian unsigned 64-bit encoding of a safe integer. */
export function u64be(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a u64: ${value}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value), false);
  return out;
}

/**
 * Unambiguous encoding of a list of fields: each is prefixed by its u32 length,
 * so ("ab","c") and ("a","bc") never encode alike. Used for everything signed.
 */
export function encodeFields(...fields: (Uint8Array | string)[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of fields) {
    const b = typeof f === 'string' ? utf8(f) : f;
    parts.push(u32be(b.length), b);
  }
  return concat(...parts);
}

/** A copy that does not alias the input's buffer. */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** Overwrites secret material in place (best effort: JS may keep copies). */
export function wipe(bytes: Uint8Array): void {
  bytes.fill(0);
}
