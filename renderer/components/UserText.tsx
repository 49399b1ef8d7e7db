/**
 * Text a person (or a peer) wrote — names, messages, file names — isolated from what is
 * around it (a right-to-left name does not reorder the sentence it sits in), with every
 * direction override or isolate shown as a visible mark instead of applied: "\u202Efdp.exe"
 * reads "⟨RLO⟩fdp.exe", never "exe.pdf". A name with nothing visible in it says so. Emoji
 * are drawn with the bundled colour font (the system's text font may have a plain glyph).
 */
import { Fragment } from 'react';
import { directionMark, directionParts, hasVisibleCharacter } from '../../shared/text.js';

/** An emoji and what joins it into one picture (variation selector, joiners, skin tones). */
const EMOJI_RE =
  /(\p{Regional_Indicator}{2}|\p{Extended_Pictographic}(?:\uFE0F|\u20E3|[\u{1F3FB}-\u{1F3FF}]|\u200D\p{Extended_Pictographic}\uFE0F?)*)/u;

function withEmoji(text: string) {
  if (!EMOJI_RE.test(text)) return text;
  return text.split(EMOJI_RE).map((piece, i) =>
    i % 2 === 1 ? (
      <span key={i} className="emoji">
        {piece}
      </span>
    ) : (
      piece
    ),
  );
}

export function UserText({ text, name = false }: { text: string; name?: boolean }) {
  if (name && !hasVisibleCharacter(text)) {
    return (
      <bdi className="invisible-name" title="This name has no visible characters">
        (no visible name)
      </bdi>
    );
  }
  return (
    <bdi>
      {directionParts(text).map((p, i) =>
        'text' in p ? (
          <Fragment key={i}>{withEmoji(p.text)}</Fragment>
        ) : (
          <abbr key={i} className="direction-mark" title={`Hidden control: ${p.title}`}>
            {directionMark(p.control)}
          </abbr>
        ),
      )}
    </bdi>
  );
}
