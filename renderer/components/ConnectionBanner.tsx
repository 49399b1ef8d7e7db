/** Says plainly when a message server cannot be reached, and since when. */
import { useApp } from '../stores/appStore.js';
import { ago } from '../lib/format.js';

export function ConnectionBanner() {
  const connections = useApp((s) => s.connections);
  const down = connections.filter((c) => !c.online && c.error);
  const online = useApp((s) => s.state?.online ?? false);
  if (!online) return null;
  if (down.length === 0) return null;
  const c = down[0]!;
  return (
    <div className="banner warning" role="status" data-testid="connection-banner">
      Offline: cannot reach {c.server} ({c.error}){c.since ? `, since ${ago(c.since)}` : ''}. Messages wait
      and go out when it answers.
    </div>
  );
}
