/** "Today", "Yesterday", a weekday or a date between the messages of different days. */
import { dayLabel } from '../lib/format.js';

export function DaySeparator({ at }: { at: number }) {
  return (
    <div className="day" role="separator" data-testid="day-separator">
      <span>{dayLabel(at)}</span>
    </div>
  );
}
