import type { Migration } from './index.js';

/** Multi-device: who wrote a message, whether it came by device sync, and since when a forward waits. */
export const migration0002: Migration = {
  version: 2,
  description: 'author device, synced flag, forward wait',
  up(db) {
    db.exec(`
      ALTER TABLE messages ADD COLUMN author_device TEXT NOT NULL DEFAULT '';
      ALTER TABLE messages ADD COLUMN synced INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE messages ADD COLUMN waiting_for TEXT NOT NULL DEFAULT '';
      ALTER TABLE messages ADD COLUMN waiting_since INTEGER NOT NULL DEFAULT 0;
    `);
  },
};
