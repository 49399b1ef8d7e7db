/** What a pairing's sync counts: each contact, message and setting sent over. */
export const SYNC_UNIT = 'contacts, messages and settings';

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
  /** What is counted ("16 of 16 contacts, messages and settings"). */
  unit: string;
}) {
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
  return (
    <div className="progress" data-testid="progress">
      <progress max={total || 1} value={total ? done : undefined} aria-label={label} />
      <small className="muted">{total ? `${done} of ${total} ${unit} (${pct}%)` : 'Starting…'}</small>
    </div>
  );
}
