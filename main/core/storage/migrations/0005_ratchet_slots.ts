import type { Migration } from './index.js';

/**
 * Per contact, the recently received (ratchet key, n) slots and a digest of what each
 * carried: the same slot again with another ciphertext means the sender's ratchet is
 * stale (its profile was restored from an older copy), not a redelivery. Kept apart from
 * the ratchet state, bounded by the messenger (MessageDb.noteSlot).
 */
export const migration0005: Migration = {
  version: 5,
  description: 'ratchet slots: digests of recently received messages, to detect a stale ratchet',
  up(db) {
    db.exec(`
      CREATE TABLE ratchet_slots (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        peer_uid TEXT NOT NULL,
        slot TEXT NOT NULL,
        digest TEXT NOT NULL,
        UNIQUE (peer_uid, slot)
      );
      CREATE INDEX ratchet_slots_by_peer ON ratchet_slots (peer_uid, id);
    `);
  },
};
