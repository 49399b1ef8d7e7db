/** This device was unlinked by another of mine: nothing more reaches it. */
import { errorMessage } from '../../shared/errors.js';
import { Logo } from './Logo.js';
import './Onboarding.css';

export function UnlinkedScreen({ unlinked }: { unlinked: { at: number; by: string } }) {
  return (
    <div className="onboarding">
      <div className="onboarding-card" data-testid="unlinked-screen" role="alert">
        <header className="onboarding-head">
          <Logo size={56} />
          <h1>This computer is no longer linked</h1>
        </header>
        <p data-testid="unlinked-text">{errorMessage('DEVICE_UNLINKED', unlinked)}</p>
        <p className="muted">
          Its keys were dropped and your other devices no longer send it anything. To use Meow here again,
          start it with a new, empty profile folder and link that from your other computer.
        </p>
      </div>
    </div>
  );
}
