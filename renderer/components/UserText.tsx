/**
 * Text a person (or a peer) wrote — names, messages, file names — isolated from what is
 * around it (a right-to-left name does not reorder the sentence it sits in), with every
 * direction override or isolate shown as a visible mark instead of applied: "\u202Efdp.exe"
 * reads "RLO fdp.exe", never "exe.pdf". A name with nothing visible in it says so.
 */
import { Fragment } from 'react';
import { directionParts, hasVisibleCharacter } from '../../shared/text.js';

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
          <Fragment key={i}>{p.text}</Fragment>
        ) : (
          <abbr key={i} className="direction-mark" title={`Hidden control: ${p.title}`}>
            {p.control}
          </abbr>
        ),
      )}
    </bdi>
  );
}
