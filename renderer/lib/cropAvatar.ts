/**
 * A chosen picture made into a profile picture: the centre square, shrunk to AVATAR_SIDE
 * pixels, as a JPEG small enough for shared/avatar.ts (the quality steps down until it fits).
 * Returns base64; a file the browser cannot read as a picture is refused by the service.
 */
import { AVATAR_LIMITS } from '../../shared/avatar.js';

const AVATAR_SIDE = 192;

export async function cropAvatar(file: Blob): Promise<string> {
  const bitmap = await createImageBitmap(file).catch(() => null);
  if (!bitmap)
    return bytesToBase64(new Uint8Array(await file.slice(0, AVATAR_LIMITS.bytes + 1).arrayBuffer()));
  const side = Math.min(bitmap.width, bitmap.height);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = AVATAR_SIDE;
  const g = canvas.getContext('2d')!;
  g.drawImage(
    bitmap,
    (bitmap.width - side) / 2,
    (bitmap.height - side) / 2,
    side,
    side,
    0,
    0,
    AVATAR_SIDE,
    AVATAR_SIDE,
  );
  bitmap.close();
  for (const quality of [0.85, 0.7, 0.55, 0.4, 0.25]) {
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/jpeg', quality));
    if (blob && blob.size <= AVATAR_LIMITS.bytes)
      return bytesToBase64(new Uint8Array(await blob.arrayBuffer()));
  }
  throw new Error('unreachable: a 192-pixel JPEG at quality 0.25 fits');
}

function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
