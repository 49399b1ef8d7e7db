import type { Migration } from './index.js';

/**
 * Each conversation's message count, unread count and newest message time, kept by
 * triggers on `messages`, so the conversation list costs O(conversations) whatever the
 * history holds — and stays right through every path that writes messages (receive,
 * send, read, delete, device sync), none of which has to remember it.
 */
export const migration0004: Migration = {
  version: 4,
  description: 'conversation summaries maintained by triggers',
  up(db) {
    db.exec(`
      CREATE TABLE conversation_summary (
        peer_uid TEXT NOT NULL PRIMARY KEY,
        count INTEGER NOT NULL,
        unread INTEGER NOT NULL,
        last_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      INSERT INTO conversation_summary (peer_uid, count, unread, last_at)
        SELECT peer_uid, COUNT(*), SUM(outbound = 0 AND seen_locally = 0), MAX(sent_at)
        FROM messages GROUP BY peer_uid;

      CREATE TRIGGER conversation_summary_insert AFTER INSERT ON messages BEGIN
        INSERT INTO conversation_summary (peer_uid, count, unread, last_at)
          VALUES (new.peer_uid, 1, new.outbound = 0 AND new.seen_locally = 0, new.sent_at)
          ON CONFLICT (peer_uid) DO UPDATE SET
            count = count + 1,
            unread = unread + excluded.unread,
            last_at = MAX(last_at, excluded.last_at);
      END;

      CREATE TRIGGER conversation_summary_delete AFTER DELETE ON messages BEGIN
        UPDATE conversation_summary SET
            count = count - 1,
            unread = unread - (old.outbound = 0 AND old.seen_locally = 0),
            last_at = COALESCE((SELECT MAX(sent_at) FROM messages WHERE peer_uid = old.peer_uid), 0)
          WHERE peer_uid = old.peer_uid;
        DELETE FROM conversation_summary WHERE peer_uid = old.peer_uid AND count <= 0;
      END;

      CREATE TRIGGER conversation_summary_update
        AFTER UPDATE OF peer_uid, outbound, seen_locally, sent_at ON messages BEGIN
        UPDATE conversation_summary SET
            count = count - 1,
            unread = unread - (old.outbound = 0 AND old.seen_locally = 0)
          WHERE peer_uid = old.peer_uid;
        INSERT INTO conversation_summary (peer_uid, count, unread, last_at)
          VALUES (new.peer_uid, 1, new.outbound = 0 AND new.seen_locally = 0, new.sent_at)
          ON CONFLICT (peer_uid) DO UPDATE SET count = count + 1, unread = unread + excluded.unread;
        UPDATE conversation_summary SET
            last_at = COALESCE((SELECT MAX(sent_at) FROM messages WHERE peer_uid = conversation_summary.peer_uid), 0)
          WHERE peer_uid IN (old.peer_uid, new.peer_uid)
            AND (old.sent_at <> new.sent_at OR old.peer_uid <> new.peer_uid);
        DELETE FROM conversation_summary WHERE peer_uid = old.peer_uid AND count <= 0;
      END;
    `);
  },
};
