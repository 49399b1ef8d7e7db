/**
 * What a person's text looks like on screen: whether it shows anything at all, and where
 * it holds characters that reorder what follows (bidirectional overrides and isolates).
 */

/**
 * Characters that draw nothing: spaces, format characters (zero-width space and joiners,
 * bidi controls, the BOM), other default-ignorables (Hangul fillers, variation selectors),
 * controls, lone combining marks, lone surrogates, the blank braille pattern.
 */
const INVISIBLE = /[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{Mn}\p{Me}\p{Cs}\u2800]/u;

/** Whether `text` shows at least one character (a name of only invisible ones is a blank row). */
export function hasVisibleCharacter(text: string): boolean {
  for (const ch of text) if (!INVISIBLE.test(ch)) return true;
  return false;
}

/** The bidirectional controls that change the order of what follows them, by their short name. */
export const DIRECTION_CONTROLS: Readonly<Record<string, { short: string; title: string }>> = {
  '\u202a': { short: 'LRE', title: 'left-to-right embedding' },
  '\u202b': { short: 'RLE', title: 'right-to-left embedding' },
  '\u202c': { short: 'PDF', title: 'pop directional formatting' },
  '\u202d': { short: 'LRO', title: 'left-to-right override' },
  '\u202e': { short: 'RLO', title: 'right-to-left override' },
  '\u2066': { short: 'LRI', title: 'left-to-right isolate' },
  '\u2067': { short: 'RLI', title: 'right-to-left isolate' },
  '\u2068': { short: 'FSI', title: 'first-strong isolate' },
  '\u2069': { short: 'PDI', title: 'pop directional isolate' },
};

export type TextPart = { text: string } | { control: string; title: string };

/**
 * `text` cut around its direction controls, each given as a mark to show in their place
 * (so "\u202Efdp.exe" shows as "⟨RLO⟩fdp.exe", never as "exe.pdf").
 */
export function directionParts(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let plain = '';
  for (const ch of text) {
    const control = DIRECTION_CONTROLS[ch];
    if (!control) {
      plain += ch;
      continue;
    }
    if (plain) parts.push({ text: plain });
    plain = '';
    parts.push({ control: control.short, title: control.title });
  }
  if (plain) parts.push({ text: plain });
  return parts;
}

/**
 * How a direction control is shown in place: its short name in brackets, so the U+202C that
 * ends an override reads "⟨PDF⟩", not like a file type next to a spoofed "gnp.exe".
 */
export const directionMark = (short: string): string => `⟨${short}⟩`;

/**
 * `text` with each direction control written as its mark: for placeholders, aria-labels and
 * titles, which cannot hold isolating markup ("Bob\u202Egnp.exe" never reads "Bob exe.png").
 */
export function withDirectionMarks(text: string): string {
  return directionParts(text)
    .map((p) => ('text' in p ? p.text : directionMark(p.control)))
    .join('');
}

/** Invisible characters a terminal would print raw: controls, format characters, fillers. */
const TERMINAL_HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u115f\u1160\u3164\uffa0\u2800]/u;

/**
 * A person's text as the CLI prints it: direction controls as their marks, other invisible
 * characters as their code point ("⟨U+200B⟩"). The joiners inside emoji and scripts (U+200C,
 * U+200D) stay, and so does a name that shows something.
 */
export function terminalText(text: string): string {
  let out = '';
  for (const ch of text) {
    const control = DIRECTION_CONTROLS[ch];
    if (control) out += directionMark(control.short);
    else if (TERMINAL_HIDDEN.test(ch) && ch !== '\u200c' && ch !== '\u200d')
      out += `⟨U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟩`;
    else out += ch;
  }
  return out;
}

/** Names compared as a person reads them: case, width and surrounding spaces aside. */
export const foldName = (name: string): string => name.normalize('NFKC').trim().toLocaleLowerCase();

/**
 * The contacts a new one named `name` would be confused with: those I call that, or who
 * call themselves that (inviting or accepting under it makes a second, separate contact).
 */
export function contactsNamed<C extends { name: string; theirName?: string }>(
  name: string,
  contacts: Iterable<C>,
): C[] {
  const wanted = foldName(name);
  if (!wanted) return [];
  return [...contacts].filter(
    (c) => foldName(c.name) === wanted || (!!c.theirName && foldName(c.theirName) === wanted),
  );
}
