/** While the service answers (or when it cannot be reached at all). */
import { Logo } from './Logo.js';

export function Splash({ error }: { error?: string }) {
  return (
    <div className="splash" data-testid="splash">
      <Logo size={72} />
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : (
        <p className="muted" aria-live="polite">
          Opening Meow…
        </p>
      )}
    </div>
  );
}
