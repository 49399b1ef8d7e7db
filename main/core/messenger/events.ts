/** What the messenger tells its host (CLI, Electron main, browser host) as things happen. */
import type { Identity } from '../identity/identity.js';
import type { Peer } from '../peers/peer.js';
import type { StoredMessage } from '../storage/messageDb.js';

export interface ConnectionState {
  server: string;
  online: boolean;
  error?: string;
  since: number;
}

export interface SyncProgress {
  device: string; // device peer uid
  phase: 'waiting' | 'code' | 'syncing' | 'done' | 'refused';
  done: number;
  total: number;
  code?: string;
}

export interface MessengerEvents {
  message: [StoredMessage];
  status: [StoredMessage];
  contact: [Peer];
  device: [Peer];
  profile: [Identity];
  connection: [ConnectionState];
  pairing: [SyncProgress];
  warning: [string];
}
