import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stripMetadata } from '../../main/core/attachments/stripMetadata.js';
import { safeFileName } from '../../main/core/attachments/fileName.js';
import { sniffType } from '../../main/core/attachments/fileType.js';
import { jpegWithGps, webpWithGps } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'meow-strip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pngWith(chunks: [string, Buffer][]): Buffer {
  const out: Buffer[] = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const [type, data] of chunks) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    out.push(len, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)); // CRC not checked by the stripper
  }
  return Buffer.concat(out);
}

describe('metadata stripping', () => {
  it('removes EXIF (with its GPS position) and comments from a JPEG, keeps JFIF and the image bytes', async () => {
    const { bytes, imageData } = jpegWithGps();
    expect(bytes.includes('GPSLatitude')).toBe(true);
    writeFileSync(join(dir, 'in.jpg'), bytes);
    expect(await stripMetadata(join(dir, 'in.jpg'), join(dir, 'out.jpg'), 'image/jpeg')).toBe(2);
    const out = readFileSync(join(dir, 'out.jpg'));
    expect(out.includes('GPSLatitude')).toBe(false);
    expect(out.includes('Exif')).toBe(false);
    expect(out.includes('shot at home')).toBe(false);
    expect(out.includes('JFIF')).toBe(true);
    expect(out.subarray(out.length - imageData.length).equals(imageData)).toBe(true);
  });

  it('removes eXIf and text chunks from a PNG', async () => {
    const png = pngWith([
      ['IHDR', Buffer.alloc(13)],
      ['eXIf', Buffer.from('MM GPS 48 51 N')],
      ['tEXt', Buffer.from('Location\u0000Paris')],
      ['IDAT', Buffer.from('pixels')],
      ['IEND', Buffer.alloc(0)],
    ]);
    writeFileSync(join(dir, 'in.png'), png);
    expect(await stripMetadata(join(dir, 'in.png'), join(dir, 'out.png'), 'image/png')).toBe(2);
    const out = readFileSync(join(dir, 'out.png'));
    expect(out.includes('GPS')).toBe(false);
    expect(out.includes('Paris')).toBe(false);
    expect(out.includes('pixels')).toBe(true);
  });

  it('removes EXIF and XMP chunks from a WebP, clears their flags and keeps the picture', async () => {
    const { bytes, image } = webpWithGps();
    expect(bytes.includes('GPSLatitude')).toBe(true);
    writeFileSync(join(dir, 'in.webp'), bytes);
    expect(await stripMetadata(join(dir, 'in.webp'), join(dir, 'out.webp'), 'image/webp')).toBe(2);
    const out = readFileSync(join(dir, 'out.webp'));
    expect(out.includes('GPS')).toBe(false);
    expect(out.includes('Paris')).toBe(false);
    expect(out.includes('EXIF')).toBe(false);
    expect(out.toString('latin1', 0, 4)).toBe('RIFF');
    expect(out.readUInt32LE(4)).toBe(out.length - 8); // the RIFF size says what is left
    expect(out.toString('latin1', 12, 16)).toBe('VP8X');
    expect(out[20]).toBe(0x10); // alpha stays; EXIF and XMP no longer announced
    expect(out.subarray(30).equals(image)).toBe(true); // the picture, byte for byte
    expect(sniffType(out).mime).toBe('image/webp');
  });

  it('refuses a cut WebP instead of sending it with its metadata', async () => {
    const { bytes } = webpWithGps();
    writeFileSync(join(dir, 'cut.webp'), bytes.subarray(0, 60));
    await expect(stripMetadata(join(dir, 'cut.webp'), join(dir, 'cut.out'), 'image/webp')).rejects.toThrow(
      /past the end|cut short/,
    );
  });

  it('refuses a cut JPEG instead of sending it with its metadata', async () => {
    const { bytes } = jpegWithGps();
    writeFileSync(join(dir, 'cut.jpg'), bytes.subarray(0, 40));
    await expect(stripMetadata(join(dir, 'cut.jpg'), join(dir, 'cut.out'), 'image/jpeg')).rejects.toThrow(
      /past the end|cut short/,
    );
  });

  it('types by content, names made safe', () => {
    expect(sniffType(jpegWithGps().bytes.subarray(0, 64)).mime).toBe('image/jpeg');
    expect(sniffType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg">')).image).toBe(false);
    expect(safeFileName('../../etc/passwd')).toBe('_.._etc_passwd');
    expect(safeFileName('CON.txt')).toBe('_CON.txt');
    expect(safeFileName('..')).toBe('file');
    expect(safeFileName('a\u202egnp.exe')).toBe('agnp.exe');
  });
});
