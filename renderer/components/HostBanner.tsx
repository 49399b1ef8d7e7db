/** Over every screen: the host went away and the page is reconnecting to it. */
import { useHost } from '../stores/hostStore.js';
import { Logo } from './Logo.js';

export function HostBanner() {
  const status = useHost((s) => s.status);
  if (status !== 'reconnecting') return null;
  return (
    <div className="banner warning host-banner" role="status" data-testid="host-banner">
      Meow was restarted — reconnecting…{' '}
      <span className="muted">
        Still here after a while? Meow may be running at another address (its port was taken): open the newest
        one <code>npm run web</code> printed.
      </span>
    </div>
  );
}

/** A tab the host does not let in: why, and what to do. */
export function HostRefused({ spent }: { spent: boolean }) {
  return (
    <div className="splash" data-testid="host-refused">
      <Logo size={72} />
      <p role="alert">
        {spent
          ? 'This address was already used, so it opens nothing now, and Meow was locked to be safe.'
          : 'This tab is not signed in to Meow.'}
      </p>
      <p className="muted">
        Open the newest address that <code>npm run web</code> printed in its terminal: each address works
        once, in one browser.
      </p>
    </div>
  );
}
