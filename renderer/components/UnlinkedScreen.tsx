/** This device was unlinked by another of mine: nothing more reaches it. */
import { errorMessage } from '../../shared/errors.js';
import { Logo } from './Logo.js';
import { StartOver } from './StartOver.js';
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
          start over: this computer comes back to the first screen, to be linked again or set up anew.
        </p>
        <div className="actions">
          <StartOver label="Start over on this computer" primary />
        </div>
      </div>
    </div>
  );
}
