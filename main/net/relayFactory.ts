/**
 * The messenger's relay connections, one per server URL: a relay session (one WebSocket,
 * messages pushed: ./sessionRelay.ts) by default, with the HTTP(S) long-poll client
 * (./relayClient.ts) as its fallback where a WebSocket cannot be opened.
 * MEOW_RELAY_TRANSPORT=http uses the HTTP path only.
 * Plain http:// is refused except to loopback; MEOW_ALLOW_INSECURE_HTTP=1 allows it
 * (with a warning). A relay with a private certificate: NODE_EXTRA_CA_CERTS=cert.pem.
 */
import type { RelayFactory } from '../core/relay.js';
import { BlobClient } from './blobClient.js';
import { fetchServerCard, RelayClient } from './relayClient.js';
import { SessionRelay } from './sessionRelay.js';

const allowInsecureHttp = (): boolean => process.env.MEOW_ALLOW_INSECURE_HTTP === '1';
/** The transport the app, the CLI and `meow run` use: 'session' unless MEOW_RELAY_TRANSPORT=http. */
export const relayTransport = (): 'session' | 'http' =>
  process.env.MEOW_RELAY_TRANSPORT === 'http' ? 'http' : 'session';

export const netRelays: RelayFactory = {
  connect: (url, serverKey, device) => {
    const opts = { url, serverKey, device, allowInsecureHttp: allowInsecureHttp() };
    return relayTransport() === 'http' ? new RelayClient(opts) : new SessionRelay(opts);
  },
  fetchCard: (url) => fetchServerCard(url, { allowInsecureHttp: allowInsecureHttp() }),
  blobs: (url, serverKey, device) =>
    new BlobClient({ url, serverKey, device, allowInsecureHttp: allowInsecureHttp() }),
};
