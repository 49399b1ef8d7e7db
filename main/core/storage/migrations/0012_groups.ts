import type { Migration } from './index.js';

/**
 * Groups (docs/groups.md): one sealed record per group — its membership log, my member key
 * and sender chain, the members' sender chains and the pairwise channels that reach them.
 * Numbered 12 by agreement between this session's branches; its version is its place in
 * MIGRATIONS (9 while 0009–0011 are not merged; renumbered at merge).
 */
export const migration0012: Migration = {
  version: 9,
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
