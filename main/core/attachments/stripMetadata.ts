/**
 * Removes what a camera writes about a picture — EXIF (GPS position, time, device),
 * XMP, IPTC, comments — from a JPEG, PNG or WebP, copying the file segment by segment,
 * so a large picture is never whole in memory. The image data is copied byte for byte.
 *
 * JPEG: APP1 (EXIF, XMP), APP12, APP13 (IPTC) and COM segments before the image data are
 * dropped; APP0 (JFIF), APP2 (ICC colour profile) and APP14 (Adobe colour transform) stay.
 * The EXIF orientation goes with the rest (a turned photo may show turned).
 * PNG: eXIf, tEXt, zTXt, iTXt and tIME chunks are dropped.
 * WebP: EXIF and XMP chunks are dropped, their flags cleared in VP8X, the RIFF size rewritten.
 * Other types are not touched.
 */
import { open, type FileHandle } from 'node:fs/promises';

export class MetadataError extends Error {
  override readonly name = 'MetadataError';
}

const PIECE = 64 * 1024;

async function readAt(fh: FileHandle, at: number, n: number): Promise<Buffer> {
  const b = Buffer.alloc(n);
  const { bytesRead } = await fh.read(b, 0, n, at);
  if (bytesRead !== n) throw new MetadataError('the picture is cut short');
  return b;
}

async function copyRange(src: FileHandle, dst: FileHandle, from: number, to: number): Promise<void> {
  const buf = Buffer.alloc(Math.min(PIECE, Math.max(1, to - from)));
  for (let at = from; at < to;) {
    const n = Math.min(buf.length, to - at);
    const { bytesRead } = await src.read(buf, 0, n, at);
    if (bytesRead === 0) throw new MetadataError('the picture is cut short');
    await dst.write(buf, 0, bytesRead);
    at += bytesRead;
  }
}

const JPEG_DROP = new Set([0xe1, 0xec, 0xed, 0xfe]);
const PNG_DROP = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']);

async function stripJpeg(src: FileHandle, dst: FileHandle, size: number): Promise<number> {
  await dst.write(Buffer.from([0xff, 0xd8]));
  let at = 2;
  let dropped = 0;
  while (at < size) {
    const m = await readAt(src, at, 2);
    if (m[0] !== 0xff) throw new MetadataError('not a JPEG segment where one should start');
    const marker = m[1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image, or the image data: the rest as it is
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      await dst.write(m);
      at += 2;
      continue;
    }
    const len = (await readAt(src, at + 2, 2)).readUInt16BE(0);
    if (len < 2 || at + 2 + len > size) throw new MetadataError('a JPEG segment runs past the end');
    if (JPEG_DROP.has(marker)) dropped++;
    else await copyRange(src, dst, at, at + 2 + len);
    at += 2 + len;
  }
  await copyRange(src, dst, at, size);
  return dropped;
}

async function stripPng(src: FileHandle, dst: FileHandle, size: number): Promise<number> {
  await copyRange(src, dst, 0, 8);
  let at = 8;
  let dropped = 0;
  while (at < size) {
    const head = await readAt(src, at, 8);
    const len = head.readUInt32BE(0);
    const type = head.toString('latin1', 4, 8);
    const end = at + 12 + len;
    if (end > size) throw new MetadataError('a PNG chunk runs past the end');
    if (PNG_DROP.has(type)) dropped++;
    else await copyRange(src, dst, at, end);
    at = end;
    if (type === 'IEND') break;
  }
  return dropped;
}

const WEBP_DROP = new Set(['EXIF', 'XMP ']);
/** VP8X flags saying EXIF and XMP chunks follow. */
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

async function stripWebp(src: FileHandle, dst: FileHandle, size: number): Promise<number> {
  const riff = await readAt(src, 0, 12);
  if (riff.toString('latin1', 0, 4) !== 'RIFF' || riff.toString('latin1', 8, 12) !== 'WEBP')
    throw new MetadataError('not a WebP file');
  // The header holds the size of what follows it, so the chunks are listed before anything is written.
  const end = Math.min(size, 8 + riff.readUInt32LE(4));
  const keep: { at: number; end: number; type: string }[] = [];
  let dropped = 0;
  for (let at = 12; at + 8 <= end;) {
    const head = await readAt(src, at, 8);
    const type = head.toString('latin1', 0, 4);
    const len = head.readUInt32LE(4);
    const next = at + 8 + len + (len & 1); // chunks are padded to an even length
    if (at + 8 + len > end) throw new MetadataError('a WebP chunk runs past the end');
    if (WEBP_DROP.has(type)) dropped++;
    else keep.push({ at, end: Math.min(next, end), type });
    at = next;
  }
  const header = Buffer.from(riff);
  header.writeUInt32LE(4 + keep.reduce((n, c) => n + c.end - c.at, 0), 4);
  await dst.write(header);
  for (const c of keep) {
    if (c.type !== 'VP8X') {
      await copyRange(src, dst, c.at, c.end);
      continue;
    }
    const vp8x = await readAt(src, c.at, c.end - c.at);
    if (vp8x.length > 8) vp8x[8] = vp8x[8]! & ~(VP8X_EXIF | VP8X_XMP);
    await dst.write(vp8x);
  }
  return dropped;
}

/**
 * Writes `src` without its metadata to `dst` (JPEG, PNG, WebP); returns how many segments or
 * chunks were removed, or null when the type is not one this strips (nothing written).
 */
export async function stripMetadata(src: string, dst: string, mime: string): Promise<number | null> {
  const strip = { 'image/jpeg': stripJpeg, 'image/png': stripPng, 'image/webp': stripWebp }[mime];
  if (!strip) return null;
  const s = await open(src, 'r');
  try {
    const size = (await s.stat()).size;
    const d = await open(dst, 'w', 0o600);
    try {
      return await strip(s, d, size);
    } finally {
      await d.close();
    }
  } finally {
    await s.close();
  }
}
