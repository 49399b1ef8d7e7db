/** Message servers: reading and pinning a relay's signed card. */
import { toBase64 } from '../../../protocol/crypto/bytes.js';
import type { meow } from '../../../protocol/wire/proto.js';
import { serverAddress } from '../../../shared/serverAddress.js';
import { MeowError } from '../errors.js';
import type { ServerRef } from '../records.js';
import { isRelayError, relayServiceError, type RelayFactory } from '../relay.js';

/** Fetches and pins a relay's signed card. */
export async function pinServer(relays: RelayFactory, typed: string): Promise<ServerRef> {
  const url = serverAddress(typed);
  if (!url) throw new MeowError('NOT_A_SERVER_URL', { url: typed });
  let card: meow.ServerCard;
  try {
    card = await relays.fetchCard(url);
  } catch (e) {
    if (isRelayError(e) && (e.code === 'UNREACHABLE' || e.code === 'INSECURE_TRANSPORT'))
      throw relayServiceError(e, url);
    throw new MeowError('SERVER_INVALID', { url, reason: (e as Error).message }, { cause: e });
  }
  return {
    url: card.url || url,
    publicKey: toBase64(card.publicKey),
    signingKey: toBase64(card.signingKey),
    name: card.name,
  };
}
