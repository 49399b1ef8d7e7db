/**
 * Removes what a camera writes about a picture — EXIF (GPS position, time, device),
 * XMP, IPTC, comments — from a JPEG or PNG, copying the file segment by segment, so a
 * large picture is never whole in memory. The image data is copied byte for byte.
 *
 * JPEG: APP1 (EXIF, XMP), APP12, APP13 (IPTC) and COM segments before the image data are
 * dropped; APP0 (JFIF), APP2 (ICC colour profile) and APP14 (Adobe colour transform) stay.
 * The EXIF orientation goes with the rest (a turned photo may show turned).
 * PNG: eXIf, tEXt, zTXt, iTXt and tIME chunks are dropped.
 * Other types are not touched (WebP is not handled yet: its EXIF travels).
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

/**
 * Writes `src` without its metadata to `dst` (JPEG, PNG); returns how many segments or
 * chunks were removed, or null when the type is not one this strips (nothing written).
 */
export async function stripMetadata(src: string, dst: string, mime: string): Promise<number | null> {
  if (mime !== 'image/jpeg' && mime !== 'image/png') return null;
  const s = await open(src, 'r');
  try {
    const size = (await s.stat()).size;
    const d = await open(dst, 'w', 0o600);
    try {
      return mime === 'image/jpeg' ? await stripJpeg(s, d, size) : await stripPng(s, d, size);
    } finally {
      await d.close();
    }
  } finally {
    await s.close();
  }
}
