/** Files for the attachment tests: a JPEG that carries a GPS position in its EXIF, a PDF-like file. */
import { randomBytes } from 'node:crypto';

function segment(marker: number, body: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length + 2);
  return Buffer.concat([Buffer.from([0xff, marker]), len, body]);
}

/** A baseline-JPEG-shaped file: JFIF, an EXIF segment with a GPS IFD (latitude 48°51′N), a comment, image data. */
export function jpegWithGps(): { bytes: Buffer; imageData: Buffer } {
  const tiff = Buffer.concat([
    Buffer.from('MM\u0000\u002a\u0000\u0000\u0000\u0008', 'latin1'),
    // IFD0 with one entry: GPSInfo (0x8825) → offset 26
    Buffer.from([0x00, 0x01, 0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1a]),
    Buffer.from([0, 0, 0, 0]),
    // GPS IFD: GPSLatitudeRef 'N'
    Buffer.from([0x00, 0x01, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x4e, 0x00, 0x00, 0x00]),
    Buffer.from([0, 0, 0, 0]),
    Buffer.from('GPSLatitude 48 51 24 N', 'latin1'),
  ]);
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
