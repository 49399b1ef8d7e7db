/** Splits text into plain parts and https links (rendered as text by React: never as HTML). */
export type Part = { text: string; href?: string };

const URL_RE = /https:\/\/[^\s<>"'`]+/g;

export function linkify(text: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    let url = m[0];
    // Trailing punctuation belongs to the sentence, not the link.
    while (/[.,;:!?)\]}]$/.test(url)) url = url.slice(0, -1);
    const at = m.index;
    if (at > last) parts.push({ text: text.slice(last, at) });
    let ok = false;
    try {
      ok = new URL(url).hostname !== '';
    } catch {
      ok = false;
    }
    parts.push(ok ? { text: url, href: url } : { text: url });
    last = at + url.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}
