/**
 * A file name from a message made safe to save: no folders (a name is never a path), no
 * control or reserved characters, no Windows device names (CON, NUL, COM1…), no leading
 * dots (hidden files, `..`), at most 200 bytes; what is left empty becomes "file".
 */
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

export function safeFileName(name: string, fallback = 'file'): string {
  let n = name
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/[/\\:*?"<>|]/g, '_')
    .trim()
    .replace(/^\.+/, '')
    .replace(/[. ]+$/, '');
  if (RESERVED.test(n)) n = `_${n}`;
  while (Buffer.byteLength(n) > 200) {
    const dot = n.lastIndexOf('.');
    const ext = dot > 0 && n.length - dot <= 16 ? n.slice(dot) : '';
    n = n.slice(0, Math.max(1, n.length - ext.length - 8)) + ext;
  }
  return n || fallback;
}

/** `name`, or `name (2)`, `name (3)`… — the first that `taken` says is free. */
export function freeName(name: string, taken: (candidate: string) => boolean): string {
  if (!taken(name)) return name;
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let i = 2; ; i++) {
    const c = `${stem} (${i})${ext}`;
    if (!taken(c)) return c;
  }
}
