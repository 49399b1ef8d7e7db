/**
 * messages.db: the conversations, the transactional outbox, each channel's live state,
 * the ids of relay messages already received and the sync changes kept for a newer build — one SQLite file, so that what a
 * ratchet step produced, the step itself and the received id commit in one transaction.
 */
import { ActionTable } from './actions.js';
import { ChannelStateTable } from './channelState.js';
import { ConversationStateTable } from './conversationState.js';
import { DeferredSyncTable } from './deferredSync.js';
import { GroupTable } from './groups.js';
import { MessageTable } from './messages.js';
import { OutboxTable } from './outbox.js';
import { PendingUploadTable } from './pendingUploads.js';
import { ReceivedLedger } from './receivedLedger.js';
import { SqlStore } from './sqlStore.js';

export type { MessageState, NewMessage, StoredMessage } from './messages.js';
export type { ActionKind, StoredAction } from './actions.js';
export type { OutboxItem, OutboxKind, OutboxRow } from './outbox.js';
export { OUTBOX_PARKED_AT } from './outbox.js';
export { RATCHET_SLOTS_KEPT } from './channelState.js';

export class MessageDb {
  readonly sql: SqlStore;
  readonly messages: MessageTable;
  readonly outbox: OutboxTable;
  readonly channels: ChannelStateTable;
  readonly received: ReceivedLedger;
  readonly deferred: DeferredSyncTable;
  readonly actions: ActionTable;
  readonly conversationState: ConversationStateTable;
  readonly uploads: PendingUploadTable;
  readonly groups: GroupTable;

  constructor(path: string, storageKey: Uint8Array) {
    this.sql = new SqlStore(path, storageKey);
    this.messages = new MessageTable(this.sql);
    this.outbox = new OutboxTable(this.sql, this.messages);
    this.channels = new ChannelStateTable(this.sql);
    this.received = new ReceivedLedger(this.sql);
    this.deferred = new DeferredSyncTable(this.sql);
    this.actions = new ActionTable(this.sql);
    this.conversationState = new ConversationStateTable(this.sql);
    this.uploads = new PendingUploadTable(this.sql);
    this.groups = new GroupTable(this.sql);
  }

  /** The connection (for tests and the store's rescue). */
  get db() {
    return this.sql.db;
  }

  /** Runs `fn` in one transaction (nested calls become savepoints). */
  atomically<T>(fn: () => T): T {
    return this.sql.atomically(fn);
  }

  /** SQLite's quick check of the file's structure (sealed contents are checked as they are read). */
  checkIntegrity(): void {
    this.sql.checkIntegrity();
  }

  close(): void {
    this.sql.close();
  }
}
