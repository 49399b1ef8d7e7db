/**
 * A file as its encrypted blob and back, streaming both ways (never the whole file in
 * memory): sealFile encrypts a file into a blob on disk — the STREAM chunks
 * (protocol/crypto/streamAead.ts) then random padding up to a Padmé bucket — and
 * measures it; openBlob checks a blob against its digest while it decrypts it, and
 * throws before the sink sees the end of a blob that does not verify.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { randomBytes } from '../../../protocol/crypto/bytes.js';
import {
  ATTACHMENT_KEY_LENGTH,
  ChunkDecryptor,
  ChunkEncryptor,
  paddedBlobSize,
} from '../../../protocol/crypto/streamAead.js';

export interface SealedFile {
  key: Uint8Array;
  /** SHA-256 of the plaintext. */
  sha256: Uint8Array;
  size: number;
  /** SHA-256 of the whole blob. */
  blobDigest: Uint8Array;
  cipherSize: number;
  blobSize: number;
}

export class BlobVerifyError extends Error {
  override readonly name = 'BlobVerifyError';
}

/** Encrypts `src` into the blob file `dst` under a new random key. */
export async function sealFile(src: string, dst: string): Promise<SealedFile> {
  const key = randomBytes(ATTACHMENT_KEY_LENGTH);
  const enc = new ChunkEncryptor(key);
  const plainHash = createHash('sha256');
  const blobHash = createHash('sha256');
  const out = await open(dst, 'w', 0o600);
  let size = 0;
  let cipherSize = 0;
  const write = async (c: Uint8Array) => {
    blobHash.update(c);
    cipherSize += c.length;
    await out.write(c);
  };
  try {
    for await (const part of createReadStream(src, { highWaterMark: 256 * 1024 })) {
      const b = part as Buffer;
      size += b.length;
      plainHash.update(b);
      for (const c of enc.push(b)) await write(c);
    }
    await write(enc.finish());
    const blobSize = paddedBlobSize(cipherSize);
    for (let left = blobSize - cipherSize; left > 0;) {
      const pad = randomBytes(Math.min(left, 64 * 1024));
      blobHash.update(pad);
      await out.write(pad);
      left -= pad.length;
    }
    await out.sync();
    return {
      key,
      sha256: plainHash.digest(),
      size,
      blobDigest: blobHash.digest(),
      cipherSize,
      blobSize,
    };
  } finally {
    await out.close();
  }
}

export interface BlobRef {
  key: Uint8Array;
  blobDigest: Uint8Array;
  cipherSize: number;
  blobSize: number;
}

/**
 * Reads the blob at `path`, checks its length and digest, and decrypts it, giving each
 * piece of plaintext to `sink`. The digest is checked before the final chunk is opened, so
 * a sink that only commits on success never commits a blob that does not verify.
 */
export async function openBlob(
  path: string,
  ref: BlobRef,
  sink: (plain: Uint8Array) => Promise<void> | void,
): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size !== ref.blobSize || ref.cipherSize > size)
      throw new BlobVerifyError(`the file has ${size} bytes, not ${ref.blobSize}`);
    const hash = createHash('sha256');
    const dec = new ChunkDecryptor(ref.key);
    const buf = Buffer.alloc(256 * 1024);
    let at = 0;
    try {
      while (at < size) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - at), at);
        if (!bytesRead) throw new BlobVerifyError('the file is cut short');
        const piece = buf.subarray(0, bytesRead);
        hash.update(piece);
        const cipher = piece.subarray(0, Math.max(0, Math.min(bytesRead, ref.cipherSize - at)));
        for (const p of dec.push(cipher)) await sink(p);
        at += bytesRead;
      }
      if (Buffer.compare(hash.digest(), ref.blobDigest) !== 0)
        throw new BlobVerifyError('the file does not match its digest');
      await sink(dec.finish());
    } catch (e) {
      if (e instanceof BlobVerifyError) throw e;
      throw new BlobVerifyError((e as Error).message);
    }
  } finally {
    await fh.close();
  }
}
