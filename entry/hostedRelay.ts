/**
 * The one place the client side meets the relay server: hosts that may run a relay in
 * their own process ("host a relay on this computer") hand this to the service.
 */
import type { LocalRelayStarter } from '../main/core/service/service.js';
import { startHostedRelay } from '../server/hosted.js';

export const hostedRelay: LocalRelayStarter = (o) => startHostedRelay(o);
