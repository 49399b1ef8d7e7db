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
  /** The contact is typing (received by the device that talks to them); never stored. */
  | { type: 'typing'; peerUid: string; at: number }
  | { type: 'conv_delete'; peerUid: string; upTo: number }
  /** A group's state as the device that drives it holds it (no secrets): groups/siblings.ts. */
  | { type: 'group_update'; data: Uint8Array }
  /** A group's message (peerUid: the group id). */
  | { type: 'group_msg'; peerUid: string; dbMessage: meow.IDbMessage }
  | { type: 'contact_delete'; peerUid: string };
