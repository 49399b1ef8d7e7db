/** A change on this device that sibling devices must learn about (fanned out by device sync). */
import type { meow } from '../../../protocol/wire/proto.js';
import type { ContactChannel } from '../peers/peer.js';

export type SyncChange =
  | { type: 'msg'; peerUid: string; dbMessage: meow.IDbMessage }
  | { type: 'status'; peerUid: string; dbMessage: meow.IDbMessage }
  | { type: 'peer_update'; peer: ContactChannel }
  | { type: 'identity_update' }
  | { type: 'server_add' }
  | { type: 'action'; peerUid: string; action: meow.IMessageAction }
  | { type: 'conv_state'; peerUid: string; data: Uint8Array }
  | { type: 'conv_delete'; peerUid: string; upTo: number }
  | { type: 'contact_delete'; peerUid: string };
