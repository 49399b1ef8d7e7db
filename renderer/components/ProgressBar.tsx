/** Progress of long work (a pairing's sync): a bar with its numbers. */
export function ProgressBar({ done, total, label }: { done: number; total: number; label: string }) {
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
  return (
    <div className="progress" data-testid="progress">
      <progress max={total || 1} value={total ? done : undefined} aria-label={label} />
      <small className="muted">{total ? `${done} of ${total} (${pct}%)` : 'Starting…'}</small>
    </div>
  );
}
