/**
 * The conversation's disappearing-messages timer, in its header: what is set (and by whom), and
 * a choice to change it — for both people and all their devices (the service sends it).
 */
import { useChats } from '../stores/chatStore.js';
import type { ContactView } from '../../shared/views.js';
import { ErrorText } from './ErrorText.js';
import { useAction } from './useAction.js';

const NAMES: Record<number, string> = {
  0: 'Off',
  5_000: '5 seconds (tests)',
  300_000: '5 minutes',
  3_600_000: '1 hour',
  86_400_000: '1 day',
  604_800_000: '1 week',
};

export const timerName = (ms: number): string => NAMES[ms] ?? `${Math.round(ms / 1000)} s`;

export function DisappearingTimer({ contact }: { contact: ContactView }) {
  const c = useChats((s) => s.conversations[contact.id]);
  const act = useAction((ms: number) => useChats.getState().setDisappearing(contact.id, ms));
  if (!c || contact.state === 'invited') return null;
  const setBy = c.disappearSetBy === 'me' ? 'you' : c.disappearSetBy === 'contact' ? contact.name : '';
  return (
    <div className="disappearing" data-testid="disappearing">
      <label
        className="muted small"
        title={
          c.disappearAfter
            ? `New messages disappear ${timerName(c.disappearAfter).toLowerCase()} after they are read (yours: after sending), on every device of you both${setBy ? ` — set by ${setBy}` : ''}`
            : 'Disappearing messages are off'
        }
      >
        <span aria-hidden="true">⏱ </span>
        <select
          aria-label="Disappearing messages"
          value={c.disappearAfter}
          disabled={act.busy || contact.blocked}
          onChange={(e) => void act.run(Number(e.target.value))}
          data-testid="disappearing-select"
        >
          {(c.disappearChoices.includes(c.disappearAfter)
            ? c.disappearChoices
            : [...c.disappearChoices, c.disappearAfter]
          ).map((ms) => (
            <option key={ms} value={ms}>
              {timerName(ms)}
            </option>
          ))}
        </select>
      </label>
      {c.disappearAfter > 0 && setBy && (
        <span className="muted small" data-testid="disappearing-set-by">
          {' '}
          set by {setBy}
        </span>
      )}
      <ErrorText error={act.error} testId="disappearing-error" />
    </div>
  );
}
