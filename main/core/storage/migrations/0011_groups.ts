import type { Migration } from './index.js';

/**
 * Groups (docs/groups.md): one sealed record per group — its membership log, my member key
 * and sender chain, the members' sender chains and the pairwise channels that reach them.
 */
export const migration0011: Migration = {
  version: 11,
  description: 'groups: one sealed record per group',
  up(db) {
    db.exec(`
      CREATE TABLE groups (
        id TEXT NOT NULL PRIMARY KEY,
        body BLOB NOT NULL
      ) WITHOUT ROWID;
    `);
  },
};
