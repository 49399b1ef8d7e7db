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
 * (so "\u202Efdp.exe" shows as "[RLO]fdp.exe", never as "exe.pdf").
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

/** `text` with each direction control written as its mark: for titles and labels. */
export function withDirectionMarks(text: string): string {
  return directionParts(text)
    .map((p) => ('text' in p ? p.text : `[${p.control}]`))
    .join('');
}
