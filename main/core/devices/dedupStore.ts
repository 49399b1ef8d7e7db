/**
 * devicesync.db: the DeviceSyncPayload dedup ids already applied,
 * so a sync delivered twice (or re-packed after a crash) is applied once. One table,
 * `seen(id, seen_at)`, pruned of entries older than 30 days.
 */
import Database from 'better-sqlite3';
import { storageError } from '../errors.js';
import { SEEN_RETENTION_MS } from '../durations.js';

export const DEDUP_RETENTION_MS = SEEN_RETENTION_MS;

export class DedupStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec(
        'CREATE TABLE IF NOT EXISTS seen (id TEXT NOT NULL PRIMARY KEY, seen_at INTEGER NOT NULL) WITHOUT ROWID',
      );
    } catch (e) {
      throw storageError(e, 'device sync');
    }
  }

  /** IsDeviceSyncSeen */
  isSeen(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM seen WHERE id = ?').get(id) !== undefined;
  }

  /** MarkDeviceSyncSeen; returns false if it was already there. */
  markSeen(id: string, now = Date.now()): boolean {
    return (
      this.db.prepare('INSERT OR IGNORE INTO seen (id, seen_at) VALUES (?, ?)').run(id, now).changes === 1
    );
  }

  /** Marks several at once (one transaction: one sync to disk). */
  markAllSeen(ids: string[], now = Date.now()): void {
    const put = this.db.prepare('INSERT OR IGNORE INTO seen (id, seen_at) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const id of ids) put.run(id, now);
    })();
  }

  /** PruneDeviceSyncSeen: drops entries older than `olderThanMs`; returns how many. */
  prune(olderThanMs = DEDUP_RETENTION_MS, now = Date.now()): number {
    return this.db.prepare('DELETE FROM seen WHERE seen_at < ?').run(now - olderThanMs).changes;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM seen').get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
