import { progressText } from '../lib/format.js';

export { SYNC_UNIT } from '../lib/format.js';

/** Progress of long work (a pairing's sync): a bar with its numbers, and what they count. */
export function ProgressBar({
  done,
  total,
  label,
  unit,
}: {
  done: number;
  total: number;
  label: string;
  /** What is counted ("Copied 16 of 16 items (contacts, messages, settings), 100%"). */
  unit: string;
}) {
  return (
    <div className="progress" data-testid="progress">
      <progress max={total || 1} value={total ? done : undefined} aria-label={label} />
      <small className="muted">{progressText(done, total, unit)}</small>
    </div>
  );
}
