import type { Migration } from './index.js';

/**
 * Changes a sibling sent that this build cannot apply (a kind added by a newer build): kept,
 * sealed, instead of acknowledged and lost, and applied when a build that knows them opens
 * the profile (devices/deferred.ts).
 */
export const migration0006: Migration = {
  version: 6,
  description: 'deferred sync: changes from my other devices of a kind this build does not know yet',
  up(db) {
    db.exec(`
      CREATE TABLE deferred_sync (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        device_uid TEXT NOT NULL,
        sync_type TEXT NOT NULL,
        payload BLOB NOT NULL,
        received_at INTEGER NOT NULL
      );
    `);
  },
};
