/**
 * Says plainly when a message server cannot be reached, for how long (it ages), and offers
 * "Retry now" rather than waiting out the back-off. The raw error is in the tooltip.
 */
import { call } from '../bridge.js';
import { offlineSentence } from '../lib/offline.js';
import { useApp } from '../stores/appStore.js';
import { useAction } from './useAction.js';
import { useNow } from './useNow.js';

export function ConnectionBanner() {
  const connections = useApp((s) => s.connections);
  const online = useApp((s) => s.state?.online ?? false);
  const now = useNow(5000);
  const retry = useAction(async () => {
    for (const c of await call('retryConnections')) useApp.getState().setConnection(c);
  });
  const down = connections.filter((c) => !c.online && c.error);
  if (!online || down.length === 0) return null;
  const c = down[0]!;
  return (
    <div className="banner warning connection-banner" role="status" data-testid="connection-banner">
      <span title={c.error} data-testid="connection-sentence">
        {offlineSentence(c, Math.max(now, Date.now()))} What you write waits and goes out when it answers.
      </span>
      <button
        className="secondary small"
        onClick={() => void retry.run()}
        disabled={retry.busy}
        data-testid="connection-retry"
      >
        {retry.busy ? 'Retrying…' : 'Retry now'}
      </button>
    </div>
  );
}
