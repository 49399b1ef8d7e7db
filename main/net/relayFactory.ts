/** The messenger's relay connections over HTTP (RelayClient), one per server URL. */
import type { RelayFactory } from '../core/relay.js';
import { fetchServerCard, RelayClient } from './relayClient.js';

export const netRelays: RelayFactory = {
  connect: (url, serverKey, device) => new RelayClient({ url, serverKey, device }),
  fetchCard: (url) => fetchServerCard(url),
};
