import type { Migration } from './index.js';

/**
 * Reactions, edits and deletions of earlier messages (docs/conversation-sync.md): one row per
 * action, keyed by the action's own uuid so a copy that arrives twice is stored once. What a
 * message looks like is folded from its rows when it is read (messenger/actionFold.ts); the
 * emoji or text is sealed like a message body.
 */
export const migration0007: Migration = {
  version: 7,
  description: 'message actions: reactions, edits, deletions',
  up(db) {
    db.exec(`
      CREATE TABLE message_actions (
        id TEXT NOT NULL PRIMARY KEY,
        peer_uid TEXT NOT NULL,
        target_uuid TEXT NOT NULL,
        kind TEXT NOT NULL,
        mine INTEGER NOT NULL,
        at INTEGER NOT NULL,
        author_device TEXT NOT NULL,
        body BLOB NOT NULL
      );
      CREATE INDEX message_actions_target ON message_actions (peer_uid, target_uuid);
    `);
  },
};
