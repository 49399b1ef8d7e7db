import type { Migration } from './index.js';

/** Messages (bodies encrypted), the transactional outbox, and server ids already received. */
export const migration0001: Migration = {
  version: 1,
  description: 'messages, outbox, received server ids',
  up(db) {
    db.exec(`
      CREATE TABLE messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        peer_uid TEXT NOT NULL,
        uuid TEXT NOT NULL,
        outbound INTEGER NOT NULL,
        type TEXT NOT NULL,
        body BLOB NOT NULL,
        state TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL DEFAULT 0,
        processed_at INTEGER NOT NULL DEFAULT 0,
        stored_at INTEGER NOT NULL,
        seen_locally INTEGER NOT NULL DEFAULT 0,
        UNIQUE (peer_uid, uuid)
      );
      CREATE INDEX messages_by_conversation ON messages (peer_uid, sent_at, id);

      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        channel TEXT NOT NULL CHECK (channel IN ('peer', 'device')),
        kind TEXT NOT NULL DEFAULT 'message',
        peer_uid TEXT NOT NULL,
        message_uuid TEXT,
        plain BLOB NOT NULL,
        packed BLOB,
        server_url TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX outbox_due ON outbox (next_attempt_at, id);

      CREATE TABLE received (
        server_id TEXT PRIMARY KEY,
        seen_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
  },
};
