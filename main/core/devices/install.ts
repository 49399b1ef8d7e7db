/**
 * Multi-device sync plugs into the messenger here: device channels, fan-out to
 * sibling devices, and the primary relay routing. (Filled in with the device sync work.)
 */
import type { Messenger } from '../messenger/messenger.js';

export function installDeviceSync(_m: Messenger): void {
  // Without paired devices there is nothing to fan out or route.
}
