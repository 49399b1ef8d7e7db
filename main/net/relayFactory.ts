/**
 * The messenger's relay connections over HTTP(S) (RelayClient), one per server URL.
 * Plain http:// is refused except to loopback; MEOW_ALLOW_INSECURE_HTTP=1 allows it
 * (with a warning). A relay with a private certificate: NODE_EXTRA_CA_CERTS=cert.pem.
 */
import type { RelayFactory } from '../core/relay.js';
import { BlobClient } from './blobClient.js';
import { fetchServerCard, RelayClient } from './relayClient.js';

const allowInsecureHttp = (): boolean => process.env.MEOW_ALLOW_INSECURE_HTTP === '1';

export const netRelays: RelayFactory = {
  connect: (url, serverKey, device) =>
    new RelayClient({ url, serverKey, device, allowInsecureHttp: allowInsecureHttp() }),
  fetchCard: (url) => fetchServerCard(url, { allowInsecureHttp: allowInsecureHttp() }),
  blobs: (url, serverKey, device) =>
    new BlobClient({ url, serverKey, device, allowInsecureHttp: allowInsecureHttp() }),
};
