/**
 * The one place the client side meets the relay server: hosts that may run a relay in
 * their own process ("host a relay on this computer") hand this to the service. Loaded on
 * first use, so a `meow` command that hosts nothing never loads the server.
 */
import type { LocalRelayStarter } from '../main/core/service/service.js';

export const hostedRelay: LocalRelayStarter = async (o) => {
  const { startHostedRelay } = await import('../server/hosted.js');
  return startHostedRelay(o);
};
