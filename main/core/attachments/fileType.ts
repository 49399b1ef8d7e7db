/**
 * A file's type decided by its first bytes, never by its name: what a message says a file
 * is, and what the app may show inline. Only raster images it can decode safely are shown
 * inline (JPEG, PNG, GIF, WebP); SVG and HTML never are (they carry scripts).
 */
export interface FileType {
  mime: string;
  /** Shown inline as a picture (decoded in the sandboxed renderer only). */
  image: boolean;
}

const OCTETS: FileType = { mime: 'application/octet-stream', image: false };

function starts(b: Uint8Array, sig: number[], at = 0): boolean {
  return b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);
}

/** The type of a file whose first (up to 64) bytes are `head`. */
export function sniffType(head: Uint8Array): FileType {
  if (starts(head, [0xff, 0xd8, 0xff])) return { mime: 'image/jpeg', image: true };
  if (starts(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { mime: 'image/png', image: true };
  if (starts(head, [0x47, 0x49, 0x46, 0x38])) return { mime: 'image/gif', image: true };
  if (starts(head, [0x52, 0x49, 0x46, 0x46]) && starts(head, [0x57, 0x45, 0x42, 0x50], 8))
    return { mime: 'image/webp', image: true };
  if (starts(head, [0x25, 0x50, 0x44, 0x46, 0x2d])) return { mime: 'application/pdf', image: false };
  if (starts(head, [0x50, 0x4b, 0x03, 0x04])) return { mime: 'application/zip', image: false };
  if (starts(head, [0x66, 0x74, 0x79, 0x70], 4)) return { mime: 'video/mp4', image: false };
  if (starts(head, [0x1a, 0x45, 0xdf, 0xa3])) return { mime: 'video/webm', image: false };
  if (starts(head, [0x49, 0x44, 0x33]) || starts(head, [0xff, 0xfb]))
    return { mime: 'audio/mpeg', image: false };
  if (starts(head, [0x4f, 0x67, 0x67, 0x53])) return { mime: 'audio/ogg', image: false };
  if (starts(head, [0x7f, 0x45, 0x4c, 0x46])) return { mime: 'application/x-executable', image: false };
  if (starts(head, [0x4d, 0x5a])) return { mime: 'application/x-msdownload', image: false };
  const text = Buffer.from(head).toString('utf8').trimStart().toLowerCase();
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg')))
    return { mime: 'image/svg+xml', image: false };
  if (text.startsWith('<!doctype html') || text.startsWith('<html'))
    return { mime: 'text/html', image: false };
  if (head.length && !head.includes(0) && isUtf8(head)) return { mime: 'text/plain', image: false };
  return OCTETS;
}

function isUtf8(b: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, Math.max(0, b.length - 3)));
    return true;
  } catch {
    return false;
  }
}

/** Types that run code when opened: the app asks before opening them. */
export function isExecutable(mime: string, name: string): boolean {
  return (
    mime === 'application/x-executable' ||
    mime === 'application/x-msdownload' ||
    /\.(exe|msi|bat|cmd|com|scr|ps1|sh|app|dmg|deb|rpm|appimage|jar|vbs|js|lnk)$/i.test(name)
  );
}
