import type { Migration } from './index.js';

/**
 * The live state of every channel (its Double Ratchet, when it last carried a message)
 * moves into messages.db, so that a received message's effects, its server id and the
 * ratchet that decrypted it commit in ONE transaction, and a sent message's packed bytes
 * with the ratchet step that made them. The ratchet is sealed with the storage key.
 */
export const migration0003: Migration = {
  version: 3,
  description: 'channel state: ratchet and last activity per channel',
  up(db) {
    db.exec(`
      CREATE TABLE channel_state (
        kind TEXT NOT NULL CHECK (kind IN ('peer', 'device')),
        uid TEXT NOT NULL,
        ratchet BLOB,
        active_at INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (kind, uid)
      ) WITHOUT ROWID;
    `);
  },
};
