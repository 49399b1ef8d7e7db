import type { Migration } from './index.js';

/**
 * Each conversation's list state and draft (pinned, archived, marked unread, muted until, the
 * text being written), one sealed record per conversation: a draft is plain text and never
 * lies on disk unsealed. Synced to my devices field by field, the latest write winning
 * (messenger/conversationState.ts).
 */
export const migration0008: Migration = {
  version: 8,
  description: 'conversation state: pin, archive, unread mark, mute, draft',
  up(db) {
    db.exec(`
      CREATE TABLE conversation_state (
        peer_uid TEXT NOT NULL PRIMARY KEY,
        body BLOB NOT NULL
      ) WITHOUT ROWID;
    `);
  },
};
