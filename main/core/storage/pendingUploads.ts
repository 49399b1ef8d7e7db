/**
 * File sends not yet stored as messages (table `pending_upload`, migration 0009): one
 * sealed JSON record per send, written and read by attachments/fileSends.ts.
 */
import { fromUtf8, utf8 } from '../../../protocol/crypto/bytes.js';
import type { SqlStore } from './sqlStore.js';

export class PendingUploadTable {
  constructor(private readonly s: SqlStore) {}

  /** Every record, oldest first. */
  all(): { id: string; record: unknown }[] {
    const rows = this.s.run(
      'messages',
      () =>
        this.s.q('SELECT id, body FROM pending_upload ORDER BY created_at, id').all() as {
          id: string;
          body: Buffer;
        }[],
    );
    return rows.map((r) => ({
      id: r.id,
      record: JSON.parse(fromUtf8(this.s.unseal(r.body, `upload/${r.id}`))) as unknown,
    }));
  }

  put(id: string, createdAt: number, record: unknown): void {
    const body = this.s.seal(utf8(JSON.stringify(record)), `upload/${id}`);
    this.s.run('messages', () =>
      this.s
        .q('INSERT OR REPLACE INTO pending_upload (id, created_at, body) VALUES (?, ?, ?)')
        .run(id, createdAt, body),
    );
  }

  drop(id: string): void {
    this.s.run('messages', () => this.s.q('DELETE FROM pending_upload WHERE id = ?').run(id));
  }
}
