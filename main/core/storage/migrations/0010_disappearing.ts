import type { Migration } from './index.js';

/**
 * Disappearing messages (messenger/disappearing.ts): how long after it was read (sent, for
 * my own) a message disappears, 0 for never. A column, not only in the sealed body, so the
 * sweep finds what is due without unsealing every message; the partial index holds only the
 * messages that disappear.
 */
export const migration0010: Migration = {
  version: 10,
  description: 'disappearing messages: expire_after',
  up(db) {
    db.exec(`
      ALTER TABLE messages ADD COLUMN expire_after INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX messages_expiring ON messages (expire_after) WHERE expire_after > 0;
    `);
  },
};
