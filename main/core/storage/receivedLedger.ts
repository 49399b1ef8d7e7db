/**
 * The relay messages already processed (table `received`), by server id: a redelivery is
 * dropped before any ratchet work. An id is recorded in the transaction that stores what
 * its message produced.
 */
import type { SqlStore } from './sqlStore.js';

export class ReceivedLedger {
  constructor(private readonly s: SqlStore) {}

  has(serverId: string): boolean {
    return this.s.run(
      'messages',
      () => this.s.q('SELECT 1 FROM received WHERE server_id = ?').get(serverId) !== undefined,
    );
  }

  /**
   * Records a relay message as processed, together with whatever it produced, in one
   * transaction: after this, a redelivery is dropped before any ratchet work.
   */
  record(serverId: string, effects: () => void = () => undefined): void {
    this.s.run('messages', () =>
      this.s.db.transaction(() => {
        this.s
          .q('INSERT OR IGNORE INTO received (server_id, seen_at) VALUES (?, ?)')
          .run(serverId, Date.now());
        effects();
      })(),
    );
  }

  prune(olderThan: number): number {
    return this.s.run(
      'messages',
      () => this.s.q('DELETE FROM received WHERE seen_at < ?').run(olderThan).changes,
    );
  }
}
