import { describe, expect, it } from 'vitest';
import { randomBytes } from '../../protocol/crypto/bytes.js';
import {
  CHUNK_SIZE,
  ChunkDecryptor,
  ChunkEncryptor,
  decryptStream,
  encryptStream,
  paddedBlobSize,
  plainSizeOf,
  sealedStreamSize,
} from '../../protocol/crypto/streamAead.js';

const SEALED = CHUNK_SIZE + 16;

function encrypt(key: Uint8Array, data: Uint8Array, piece = 10_000): Uint8Array {
  const enc = new ChunkEncryptor(key);
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += piece) out.push(...enc.push(data.subarray(i, i + piece)));
  out.push(enc.finish());
  return Buffer.concat(out);
}

function decrypt(key: Uint8Array, data: Uint8Array, piece = 7_777): Uint8Array {
  const dec = new ChunkDecryptor(key);
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += piece) out.push(...dec.push(data.subarray(i, i + piece)));
  out.push(dec.finish());
  return Buffer.concat(out);
}

describe('streaming attachment AEAD', () => {
  const key = randomBytes(32);

  it.each([0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE, 3 * CHUNK_SIZE + 5])(
    'round-trips %i bytes, whatever the piece sizes, at the predicted length',
    (size) => {
      const data = randomBytes(size);
      const sealed = encrypt(key, data);
      expect(sealed.length).toBe(sealedStreamSize(size));
      expect(plainSizeOf(sealed.length)).toBe(size);
      expect(Buffer.compare(decrypt(key, sealed), data)).toBe(0);
      expect(Buffer.from(decrypt(key, sealed, size < 70_000 ? 1 + (size % 3) : 4099))).toEqual(
        Buffer.from(data),
      );
    },
  );

  it('an empty file is one final chunk of just a tag', () => {
    const sealed = encrypt(key, new Uint8Array(0));
    expect(sealed.length).toBe(16);
    expect(decrypt(key, sealed).length).toBe(0);
    expect(() => decrypt(key, new Uint8Array(0))).toThrow(/cut short/);
  });

  it('refuses a flipped bit anywhere', () => {
    const sealed = encrypt(key, randomBytes(2 * CHUNK_SIZE + 100));
    for (const at of [0, CHUNK_SIZE, SEALED + 3, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[at]! ^= 1;
      expect(() => decrypt(key, bad)).toThrow(/does not verify/);
    }
    expect(() => decrypt(randomBytes(32), sealed)).toThrow(/does not verify/);
  });

  it('refuses a stream cut at a chunk boundary (the last chunk kept was not sealed as final)', () => {
    const sealed = encrypt(key, randomBytes(3 * CHUNK_SIZE));
    expect(() => decrypt(key, sealed.subarray(0, 2 * SEALED))).toThrow(/chunk 1/);
    expect(() => decrypt(key, sealed.subarray(0, SEALED))).toThrow(/chunk 0/);
    expect(() => decrypt(key, sealed.subarray(0, sealed.length - 5))).toThrow(/does not verify/);
  });

  it('refuses reordered chunks and a stream extended past its final chunk', () => {
    const sealed = encrypt(key, randomBytes(3 * CHUNK_SIZE + 9));
    const swapped = Buffer.concat([
      sealed.subarray(SEALED, 2 * SEALED),
      sealed.subarray(0, SEALED),
      sealed.subarray(2 * SEALED),
    ]);
    expect(() => decrypt(key, swapped)).toThrow(/chunk 0/);
    const other = encrypt(key, randomBytes(10));
    expect(() => decrypt(key, Buffer.concat([sealed, other]))).toThrow(/does not verify/);
    // a whole final chunk of the same key appended to an exact-multiple stream
    const exact = encrypt(key, randomBytes(2 * CHUNK_SIZE));
    expect(() => decrypt(key, Buffer.concat([exact, encrypt(key, new Uint8Array(0))]))).toThrow(
      /does not verify/,
    );
  });

  it('async generators stream in both directions', async () => {
    const data = randomBytes(CHUNK_SIZE * 2 + 17);
    async function* pieces(b: Uint8Array) {
      for (let i = 0; i < b.length; i += 5000) yield b.subarray(i, i + 5000);
    }
    const sealed: Uint8Array[] = [];
    for await (const c of encryptStream(key, pieces(data))) sealed.push(c);
    const plain: Uint8Array[] = [];
    for await (const c of decryptStream(key, pieces(Buffer.concat(sealed)))) plain.push(c);
    expect(Buffer.concat(plain)).toEqual(Buffer.from(data));
  });

  it('pads to Padmé buckets: never smaller, at most 12 % more, few distinct sizes', () => {
    const seen = new Set<number>();
    for (let n = 1_000_000; n < 1_100_000; n += 997) {
      const p = paddedBlobSize(n);
      expect(p).toBeGreaterThanOrEqual(n);
      expect(p / n).toBeLessThanOrEqual(1.12);
      seen.add(p);
    }
    expect(seen.size).toBeLessThan(20);
    expect(paddedBlobSize(0)).toBe(4096);
  });

  it('plainSizeOf refuses lengths no file encrypts to', () => {
    expect(plainSizeOf(0)).toBeNull();
    expect(plainSizeOf(SEALED + 5)).toBeNull();
  });
});
