/**
 * Each conversation's list state and draft (table `conversation_state`, migration 0008): one
 * sealed JSON record per conversation, read and merged by messenger/conversationState.ts.
 */
import { fromUtf8, utf8 } from '../../../protocol/crypto/bytes.js';
import type { SqlStore } from './sqlStore.js';

export class ConversationStateTable {
  constructor(private readonly s: SqlStore) {}

  get(peerUid: string): unknown {
    const row = this.s.run(
      'messages',
      () =>
        this.s.q('SELECT body FROM conversation_state WHERE peer_uid = ?').get(peerUid) as
          { body: Buffer } | undefined,
    );
    return row ? JSON.parse(fromUtf8(this.s.unseal(row.body, `convstate/${peerUid}`))) : undefined;
  }

  put(peerUid: string, record: unknown): void {
    const body = this.s.seal(utf8(JSON.stringify(record)), `convstate/${peerUid}`);
    this.s.run('messages', () =>
      this.s.q('INSERT OR REPLACE INTO conversation_state (peer_uid, body) VALUES (?, ?)').run(peerUid, body),
    );
  }

  drop(peerUid: string): void {
    this.s.run('messages', () => this.s.q('DELETE FROM conversation_state WHERE peer_uid = ?').run(peerUid));
  }
}
