/**
 * What the messenger tells the service layer as things happen (internal: hosts see the
 * service's events, shared/service.ts). Records are named by uid and read back by the
 * service; only `pairing` carries its device record, because it may be emitted before
 * that record is stored.
 */
import type { NoticeView } from '../../shared/views.js';
import type { meow } from '../../protocol/wire/proto.js';
import type { DeviceChannel } from './peers/peer.js';
import type { StoredMessage } from './storage/messageDb.js';

export interface ConnectionState {
  server: string;
  online: boolean;
  error?: string;
  since: number;
  /** Which transport answered (see Relay.transport). */
  transport?: 'session' | 'http';
}

export interface MessengerEvents {
  message: [StoredMessage];
  status: [StoredMessage];
  /** Many messages of one conversation stored or changed at once (history, a backlog), in one event. */
  messages: [{ peerUid: string; stored: StoredMessage[]; changed: StoredMessage[] }];
  /** A contact record changed (uid). */
  contact: [string];
  /** A group changed (its id): membership, name, or what this device knows of it. */
  group: [string];
  /** A device record changed (uid of the device peer). */
  device: [string];
  /** My profile, servers or device name changed. */
  profile: [];
  connection: [ConnectionState];
  /** A pairing moved on (the device peer, possibly not stored yet). */
  pairing: [DeviceChannel];
  /** Rows of one channel left the outbox (pairing progress on the existing device). */
  sent: [{ channel: 'peer' | 'device'; peerUid: string }];
  notice: [{ code: NoticeView['code']; params: NoticeView['params'] }];
  /**
   * A message's files left it (deleted for everyone, or for me), inside the transaction that
   * did it: `relayToo` when this device uploaded them and they were deleted for everyone.
   */
  filesDropped: [{ peerUid: string; uuid: string; files: meow.IFileMeta[]; relayToo: boolean }];
  /** The contact (uid) is typing: shown for a moment, never stored. */
  typing: [string];
  /** A conversation's messages up to `upTo` (sentAt) were deleted, here or on another of my devices. */
  forgotten: [{ peerUid: string; upTo: number }];
}
