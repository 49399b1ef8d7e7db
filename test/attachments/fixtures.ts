/** Files for the attachment tests: a JPEG and a WebP that carry a GPS position in their EXIF, a PDF-like file. */
import { randomBytes } from 'node:crypto';

function segment(marker: number, body: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length + 2);
  return Buffer.concat([Buffer.from([0xff, marker]), len, body]);
}

/** An EXIF (TIFF) block whose GPS IFD says latitude 48°51′N. */
function gpsTiff(): Buffer {
  return Buffer.concat([
    Buffer.from('MM\u0000\u002a\u0000\u0000\u0000\u0008', 'latin1'),
    // IFD0 with one entry: GPSInfo (0x8825) → offset 26
    Buffer.from([0x00, 0x01, 0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1a]),
    Buffer.from([0, 0, 0, 0]),
    // GPS IFD: GPSLatitudeRef 'N'
    Buffer.from([0x00, 0x01, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x4e, 0x00, 0x00, 0x00]),
    Buffer.from([0, 0, 0, 0]),
    Buffer.from('GPSLatitude 48 51 24 N', 'latin1'),
  ]);
}

/** A baseline-JPEG-shaped file: JFIF, an EXIF segment with a GPS IFD (latitude 48°51′N), a comment, image data. */
export function jpegWithGps(): { bytes: Buffer; imageData: Buffer } {
  const tiff = gpsTiff();
  const imageData = Buffer.concat([segment(0xdb, randomBytes(65)), segment(0xc0, randomBytes(15))]);
  const scan = Buffer.concat([
    segment(0xda, randomBytes(10)),
    randomBytes(5000).map((b) => (b === 0xff ? 0 : b)),
    Buffer.from([0xff, 0xd9]),
  ]);
  const bytes = Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from('JFIF\u0000\u0001\u0001\u0000\u0000\u0001\u0000\u0001\u0000\u0000', 'latin1')),
    segment(0xe1, Buffer.concat([Buffer.from('Exif\u0000\u0000', 'latin1'), tiff])),
    segment(0xfe, Buffer.from('shot at home', 'latin1')),
    imageData,
    scan,
  ]);
  return { bytes, imageData: Buffer.concat([imageData, scan]) };
}

export function pdfLike(size = 300_000): Buffer {
  return Buffer.concat([Buffer.from('%PDF-1.7\n', 'latin1'), randomBytes(size)]);
}

function riffChunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

/** A lossless 1×1 WebP's image chunk (a real picture: browsers decode it). */
const VP8L_1X1 = Buffer.from('LwAAABAHEBERiIj+BwA=', 'base64').subarray(0, 13);

/**
 * An extended WebP: VP8X (saying alpha, EXIF and XMP follow), the 1×1 image, an EXIF chunk
 * with a GPS position and an XMP packet naming a place.
 */
export function webpWithGps(): { bytes: Buffer; image: Buffer } {
  const vp8x = Buffer.alloc(10);
  vp8x[0] = 0x10 | 0x08 | 0x04; // alpha, EXIF, XMP; canvas 1×1 (stored minus one: zeros)
  const image = riffChunk('VP8L', VP8L_1X1);
  const body = Buffer.concat([
    Buffer.from('WEBP', 'latin1'),
    riffChunk('VP8X', vp8x),
    image,
    riffChunk('EXIF', gpsTiff()),
    riffChunk(
      'XMP ',
      Buffer.from('<x:xmpmeta><exif:GPSLatitude>48,51.4N</exif:GPSLatitude>Paris</x:xmpmeta>'),
    ),
  ]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length);
  return { bytes: Buffer.concat([Buffer.from('RIFF', 'latin1'), size, body]), image };
}
