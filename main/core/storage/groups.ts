/**
 * Groups (table `groups`, migration 0012): one sealed JSON record per group, read and
 * written by groups/groupStore.ts.
 */
import { fromUtf8, utf8 } from '../../../protocol/crypto/bytes.js';
import type { SqlStore } from './sqlStore.js';

export class GroupTable {
  constructor(private readonly s: SqlStore) {}

  get(id: string): unknown {
    const row = this.s.run(
      'messages',
      () => this.s.q('SELECT body FROM groups WHERE id = ?').get(id) as { body: Buffer } | undefined,
    );
    return row ? JSON.parse(fromUtf8(this.s.unseal(row.body, `group/${id}`))) : undefined;
  }

  has(id: string): boolean {
    return this.s.run('messages', () => !!this.s.q('SELECT 1 FROM groups WHERE id = ?').get(id));
  }

  ids(): string[] {
    return this.s.run('messages', () =>
      (this.s.q('SELECT id FROM groups ORDER BY id').all() as { id: string }[]).map((r) => r.id),
    );
  }

  put(id: string, record: unknown): void {
    const body = this.s.seal(utf8(JSON.stringify(record)), `group/${id}`);
    this.s.run('messages', () =>
      this.s.q('INSERT OR REPLACE INTO groups (id, body) VALUES (?, ?)').run(id, body),
    );
  }
}
