/**
 * Streaming AEAD for attachments: a file is cut into fixed-size plaintext chunks, each
 * sealed with ChaCha20-Poly1305 under the attachment's own random key. The nonce is the
 * chunk's index (so a chunk moved elsewhere fails), and the associated data says
 * whether the chunk is the last one (so cutting the stream after any chunk, or adding
 * one after the last, fails): the STREAM construction of Hoang–Reyhanitabar–Rogaway–
 * Vizár. A key is never used for two files, so index nonces never repeat under a key.
 *
 * Layout: chunk₀ ‖ chunk₁ ‖ … ‖ chunkₙ, each `plaintext ‖ tag`; every chunk but the last
 * holds CHUNK_SIZE plaintext bytes, the last holds 0…CHUNK_SIZE (an empty file is one
 * empty final chunk; a file of exact multiples ends with a full final chunk). The
 * uploaded blob is then padded with random bytes to a size bucket (paddedBlobSize); the
 * message carries the stream's length and the SHA-256 of the whole padded blob.
 *
 * Nothing here holds more than one chunk: push() takes bytes as they come, and a chunk
 * is sealed only when the next byte shows it was not the last.
 *
 * @example
 *   const enc = new ChunkEncryptor(key);
 *   for await (const part of file) for (const c of enc.push(part)) out.write(c);
 *   out.write(enc.finish());
 *   const dec = new ChunkDecryptor(key);   // same shape; finish() throws on a cut stream
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CryptoError, requireLength } from './errors.js';

export const ATTACHMENT_KEY_LENGTH = 32;
/** Plaintext bytes per chunk (64 KiB: small enough to stream, large enough to amortise the tag). */
export const CHUNK_SIZE = 64 * 1024;
const TAG = 16;
const SEALED_CHUNK = CHUNK_SIZE + TAG;
const AD_MORE = Uint8Array.of(0x4d, 0x01, 0); // "M", version 1, not final
const AD_LAST = Uint8Array.of(0x4d, 0x01, 1); // "M", version 1, final
/** An index above this would not fit the nonce's integer exactly (far above any file size). */
const MAX_CHUNKS = Number.MAX_SAFE_INTEGER;

function nonceOf(index: number): Uint8Array {
  if (index > MAX_CHUNKS) throw new CryptoError('BAD_INPUT', 'too many chunks');
  const n = new Uint8Array(12);
  new DataView(n.buffer).setBigUint64(4, BigInt(index));
  return n;
}

function seal(key: Uint8Array, index: number, last: boolean, plain: Uint8Array): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', key, nonceOf(index), { authTagLength: TAG });
  c.setAAD(last ? AD_LAST : AD_MORE, { plaintextLength: plain.length });
  const body = c.update(plain);
  c.final();
  const out = new Uint8Array(body.length + TAG);
  out.set(body, 0);
  out.set(c.getAuthTag(), body.length);
  return out;
}

function open(key: Uint8Array, index: number, last: boolean, sealed: Uint8Array): Uint8Array {
  if (sealed.length < TAG) throw new CryptoError('DECRYPT_FAILED', 'the file is cut short');
  try {
    const d = createDecipheriv('chacha20-poly1305', key, nonceOf(index), { authTagLength: TAG });
    d.setAAD(last ? AD_LAST : AD_MORE, { plaintextLength: sealed.length - TAG });
    d.setAuthTag(sealed.subarray(sealed.length - TAG));
    const out = d.update(sealed.subarray(0, sealed.length - TAG));
    d.final();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch {
    throw new CryptoError(
      'DECRYPT_FAILED',
      `chunk ${index} of the file does not verify: tampered, cut, reordered or extended`,
    );
  }
}

/** The length of the encrypted stream of a file of `size` bytes. */
export function sealedStreamSize(size: number): number {
  const chunks = Math.max(1, Math.ceil(size / CHUNK_SIZE));
  return size + chunks * TAG;
}

/** The plaintext length of a stream of `sealed` bytes, or null when no file encrypts to that length. */
export function plainSizeOf(sealed: number): number | null {
  const full = Math.floor(sealed / SEALED_CHUNK);
  const rest = sealed - full * SEALED_CHUNK;
  if (rest === 0) return full > 0 ? full * CHUNK_SIZE : null;
  if (rest < TAG) return null;
  return full * CHUNK_SIZE + rest - TAG;
}

/**
 * The uploaded size of a stream of `size` bytes: Padmé padding (Nikitin et al., PURBs),
 * which leaves at most O(log log size) bits of the length visible for at most 12 %
 * overhead, never below 4 KiB.
 */
export function paddedBlobSize(size: number): number {
  const l = Math.max(size, 4096);
  const e = Math.floor(Math.log2(l));
  const s = Math.floor(Math.log2(e)) + 1;
  const lastBits = e - s;
  const mask = 2 ** lastBits - 1;
  return Math.ceil(l / (mask + 1)) * (mask + 1);
}

abstract class ChunkStream {
  protected index = 0;
  /** The chunk being filled; a full one is held until a further byte shows it is not the last. */
  private buf: Uint8Array;
  private fill = 0;
  private done = false;

  constructor(
    protected readonly key: Uint8Array,
    unit: number,
  ) {
    requireLength(key, ATTACHMENT_KEY_LENGTH, 'attachment key');
    this.buf = new Uint8Array(unit);
  }

  protected abstract step(last: boolean, chunk: Uint8Array): Uint8Array;

  /** Takes the next bytes; returns the chunks that are now known not to be the last. */
  push(data: Uint8Array): Uint8Array[] {
    if (this.done) throw new CryptoError('BAD_INPUT', 'the stream is already finished');
    const out: Uint8Array[] = [];
    let at = 0;
    while (at < data.length) {
      if (this.fill === this.buf.length) {
        out.push(this.step(false, this.buf));
        this.fill = 0;
      }
      const n = Math.min(this.buf.length - this.fill, data.length - at);
      this.buf.set(data.subarray(at, at + n), this.fill);
      this.fill += n;
      at += n;
    }
    return out;
  }

  /** Seals or opens what is left as the final chunk. */
  finish(): Uint8Array {
    if (this.done) throw new CryptoError('BAD_INPUT', 'the stream is already finished');
    this.done = true;
    return this.step(true, this.buf.subarray(0, this.fill));
  }
}

export class ChunkEncryptor extends ChunkStream {
  constructor(key: Uint8Array) {
    super(key, CHUNK_SIZE);
  }
  protected step(last: boolean, chunk: Uint8Array): Uint8Array {
    return seal(this.key, this.index++, last, chunk);
  }
}

export class ChunkDecryptor extends ChunkStream {
  constructor(key: Uint8Array) {
    super(key, SEALED_CHUNK);
  }
  protected step(last: boolean, chunk: Uint8Array): Uint8Array {
    return open(this.key, this.index++, last, chunk);
  }
}

/** Encrypts an async stream of bytes chunk by chunk. */
export async function* encryptStream(
  key: Uint8Array,
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const enc = new ChunkEncryptor(key);
  for await (const part of source) yield* enc.push(part);
  yield enc.finish();
}

/** Decrypts an async stream; throws CryptoError('DECRYPT_FAILED') at the first chunk that fails. */
export async function* decryptStream(
  key: Uint8Array,
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const dec = new ChunkDecryptor(key);
  for await (const part of source) yield* dec.push(part);
  yield dec.finish();
}
