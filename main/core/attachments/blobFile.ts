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

/** Read and written at a time: large enough that per-call costs vanish, small beside the 64 MB budget. */
const PIECE = 1024 * 1024;

/**
 * Encrypts `src` into the blob file `dst` under a new random key. Not fsync'd here: the
 * caller syncs it (syncFile) while it uploads it, before a message refers to it.
 */
export async function sealFile(src: string, dst: string): Promise<SealedFile> {
  const key = randomBytes(ATTACHMENT_KEY_LENGTH);
  const enc = new ChunkEncryptor(key);
  const plainHash = createHash('sha256');
  const blobHash = createHash('sha256');
  const out = await open(dst, 'w', 0o600);
  let size = 0;
  let cipherSize = 0;
  const write = async (chunks: Uint8Array[]) => {
    for (const c of chunks) {
      blobHash.update(c);
      cipherSize += c.length;
    }
    if (chunks.length) await out.writev(chunks);
  };
  try {
    for await (const part of createReadStream(src, { highWaterMark: PIECE })) {
      const b = part as Buffer;
      size += b.length;
      plainHash.update(b);
      await write(enc.push(b));
    }
    await write([enc.finish()]);
    const blobSize = paddedBlobSize(cipherSize);
    for (let left = blobSize - cipherSize; left > 0;) {
      const pad = randomBytes(Math.min(left, PIECE));
      blobHash.update(pad);
      await out.write(pad);
      left -= pad.length;
    }
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

/** Flushes a file to disk. */
export async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export interface BlobRef {
  key: Uint8Array;
  blobDigest: Uint8Array;
  cipherSize: number;
  blobSize: number;
}

/**
 * Reads the blob at `path`, checks its length (and, unless it is `kept`, its digest), and
 * decrypts it, giving the plaintext to `sink` a few chunks at a time. The digest is checked
 * before the final chunk is opened, so a sink that only commits on success never commits a
 * blob that does not verify. A kept blob matched its digest when it was stored; its chunks
 * still verify here (a chunk changed at rest fails its tag, a cut stream its final marker).
 */
export async function openBlob(
  path: string,
  ref: BlobRef,
  sink: (plain: Uint8Array[]) => Promise<void> | void,
  o: { kept?: boolean } = {},
): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size !== ref.blobSize || ref.cipherSize > size)
      throw new BlobVerifyError(`the file has ${size} bytes, not ${ref.blobSize}`);
    const hash = o.kept ? null : createHash('sha256');
    const dec = new ChunkDecryptor(ref.key);
    const buf = Buffer.alloc(PIECE);
    // only the stream is read when the padding after it is not hashed
    const end = hash ? size : ref.cipherSize;
    let at = 0;
    try {
      while (at < end) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - at), at);
        if (!bytesRead) throw new BlobVerifyError('the file is cut short');
        const piece = buf.subarray(0, bytesRead);
        hash?.update(piece);
        const cipher = piece.subarray(0, Math.max(0, Math.min(bytesRead, ref.cipherSize - at)));
        const plain = dec.push(cipher);
        if (plain.length) await sink(plain);
        at += bytesRead;
      }
      if (hash && Buffer.compare(hash.digest(), ref.blobDigest) !== 0)
        throw new BlobVerifyError('the file does not match its digest');
      await sink([dec.finish()]);
    } catch (e) {
      if (e instanceof BlobVerifyError) throw e;
      throw new BlobVerifyError((e as Error).message);
    }
  } finally {
    await fh.close();
  }
}
