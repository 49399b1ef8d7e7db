/** A message as the core sees it (stored, or to store) and as its table row holds it. */
import type { meow } from '../../../protocol/wire/proto.js';
import type { MessageState } from '../messenger/messageState.js';

export type { MessageState };

export interface StoredMessage {
  id: number;
  peerUid: string;
  uuid: string;
  outbound: boolean;
  type: string;
  text: string;
  data: Uint8Array;
  files: meow.IFileMeta[];
  appdata: Uint8Array;
  answerTo: string;
  state: MessageState;
  sentAt: number;
  receivedAt: number;
  processedAt: number;
  storedAt: number;
  seen: boolean;
  authorDevice: string;
  synced: boolean;
  waitingFor: string;
  waitingSince: number;
  /** Disappears this long (ms) after it was read (sent, when mine); 0: stays. */
  expireAfter: number;
}

export interface NewMessage {
  peerUid: string;
  uuid: string;
  outbound: boolean;
  type: string;
  text?: string;
  data?: Uint8Array;
  files?: meow.IFileMeta[];
  appdata?: Uint8Array;
  answerTo?: string;
  state: MessageState;
  sentAt: number;
  receivedAt?: number;
  processedAt?: number;
  seen?: boolean;
  authorDevice?: string;
  synced?: boolean;
  waitingFor?: string;
  waitingSince?: number;
  expireAfter?: number;
}

/** A `messages` row as SQLite returns it. */
export interface MessageRow {
  id: number;
  peer_uid: string;
  uuid: string;
  outbound: number;
  type: string;
  body: Buffer;
  state: MessageState;
  sent_at: number;
  received_at: number;
  processed_at: number;
  stored_at: number;
  seen_locally: number;
  author_device: string;
  synced: number;
  waiting_for: string;
  waiting_since: number;
  expire_after: number;
}
