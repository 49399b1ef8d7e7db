import type { Migration } from './index.js';

/**
 * Files being sent: one sealed record per send (the contact, the caption, each file's
 * reference and key, the blob it uploads to), kept from before the first byte is uploaded
 * until the message is stored, so a send cut by a crash or a closed profile continues at
 * the relay's offset when the profile opens again (attachments/fileSends.ts).
 */
export const migration0009: Migration = {
  version: 9,
  description: 'pending uploads: file sends that continue after a restart',
  up(db) {
    db.exec(`
      CREATE TABLE pending_upload (
        id TEXT NOT NULL PRIMARY KEY,
        created_at INTEGER NOT NULL,
        body BLOB NOT NULL
      ) WITHOUT ROWID;
    `);
  },
};
