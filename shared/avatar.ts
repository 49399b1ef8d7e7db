/**
 * A profile picture as it travels and is kept: a square PNG or JPEG of at most
 * AVATAR_LIMITS.bytes, base64 in the identity and on the wire. The app crops and shrinks a
 * chosen picture before sending it; whatever arrives (from a host, a contact or another
 * device of mine) is checked here: its format, its size and that it is square.
 */
export const AVATAR_LIMITS = { bytes: 16 * 1024, minSide: 16, maxSide: 512 } as const;

export type AvatarProblem = 'format' | 'size' | 'square';

/** Why these bytes are no profile picture, or null when they are one. */
export function avatarProblem(bytes: Uint8Array): AvatarProblem | null {
  if (bytes.length > AVATAR_LIMITS.bytes) return 'size';
  const dims = pngSize(bytes) ?? jpegSize(bytes);
  if (!dims) return 'format';
  const [w, h] = dims;
  if (w !== h) return 'square';
  if (w < AVATAR_LIMITS.minSide || w > AVATAR_LIMITS.maxSide) return 'size';
  return null;
}

/** The picture's MIME type (for a data: URL); call after avatarProblem() said null. */
export function avatarMime(bytes: Uint8Array): 'image/png' | 'image/jpeg' {
  return bytes[0] === 0x89 ? 'image/png' : 'image/jpeg';
}

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function pngSize(b: Uint8Array): [number, number] | null {
  if (b.length < 33 || PNG.some((x, i) => b[i] !== x)) return null;
  // The first chunk is IHDR: width and height, big-endian, right after its type.
  if (String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!) !== 'IHDR') return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return [v.getUint32(16), v.getUint32(20)];
}

function jpegSize(b: Uint8Array): [number, number] | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let i = 2;
  // Segments until a start-of-frame (SOF0–SOF15 but DHT, JPG and DAC), which holds the size.
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (len < 2) return null;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const h = (b[i + 5]! << 8) | b[i + 6]!;
      const w = (b[i + 7]! << 8) | b[i + 8]!;
      return w && h ? [w, h] : null;
    }
    i += 2 + len;
  }
  return null;
}
