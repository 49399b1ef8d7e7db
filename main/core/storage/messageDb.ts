/**
 * messages.db (better-sqlite3, WAL, synchronous=FULL): the conversations, the
 * transactional outbox and the ids of relay messages already received. Message
 * content is sealed with the profile's storage key; the columns hold only what
 * queries need (conversation, uuid, state, timestamps).
 */
import Database from 'better-sqlite3';
import { aeadDecrypt, aeadEncrypt } from '../../../protocol/crypto/aead.js';
import { utf8 } from '../../../protocol/crypto/bytes.js';
import { decodeStrict, encode, meow } from '../../../protocol/wire/proto.js';
import { MeowError, storageError } from '../errors.js';
import { advanceStatus, type MessageState, type StatusUpdate } from '../messenger/messageState.js';
import { migrate } from './migrations/index.js';

export type { MessageState } from '../messenger/messageState.js';

export interface StoredMessage {
  id: number;
  peerUid: string;
  uuid: string;
  outbound: boolean;
  type: string;
  text: string;
  data: Uint8Array;
  files: meow.IFileMeta[];
  appdata: Uint8Array;
  answerTo: string;
  state: MessageState;
  sentAt: number;
  receivedAt: number;
  processedAt: number;
  storedAt: number;
  seen: boolean;
  authorDevice: string;
  synced: boolean;
  waitingFor: string;
  waitingSince: number;
}

export interface NewMessage {
  peerUid: string;
  uuid: string;
  outbound: boolean;
  type: string;
  text?: string;
  data?: Uint8Array;
  files?: meow.IFileMeta[];
  appdata?: Uint8Array;
  answerTo?: string;
  state: MessageState;
  sentAt: number;
  receivedAt?: number;
  processedAt?: number;
  seen?: boolean;
  authorDevice?: string;
  synced?: boolean;
  waitingFor?: string;
  waitingSince?: number;
}

/**
 * message: a conversation message or other payload · receipt: delivery/read receipts, merged per
 * peer when sent · sync: device sync · forward: a message of mine for a contact, sent through the
 * contact's primary device (decided when queued) · rotate: a rotation of my keys of the channel
 * (peers/rotation.ts), its key_update built when the row is packed · reset: a session reset
 * (peers/session.ts), packed without the ratchet.
 */
/** next_attempt_at of a row the relay refused for good: never due until the person retries it. */
export const OUTBOX_PARKED_AT = 8.64e15;

export type OutboxKind = 'message' | 'receipt' | 'sync' | 'forward' | 'rotate' | 'reset';

export interface OutboxItem {
  channel: 'peer' | 'device';
  peerUid: string;
  plain: Uint8Array;
  messageUuid?: string | null;
  kind?: OutboxKind;
  notBefore?: number;
}

export interface OutboxRow {
  id: number;
  kind: OutboxKind;
  channel: 'peer' | 'device';
  peerUid: string;
  messageUuid: string | null;
  plain: Uint8Array; // decrypted UserMessage bytes
  packed: Uint8Array | null;
  serverUrl: string | null;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
}

interface MessageRow {
  id: number;
  peer_uid: string;
  uuid: string;
  outbound: number;
  type: string;
  body: Buffer;
  state: MessageState;
  sent_at: number;
  received_at: number;
  processed_at: number;
  stored_at: number;
  seen_locally: number;
  author_device: string;
  synced: number;
  waiting_for: string;
  waiting_since: number;
}

interface OutboxDbRow {
  id: number;
  kind: OutboxKind;
  channel: 'peer' | 'device';
  peer_uid: string;
  message_uuid: string | null;
  plain: Buffer;
  packed: Buffer | null;
  server_url: string | null;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
}

export class MessageDb {
  readonly db: Database.Database;

  constructor(
    private readonly path: string,
    private readonly storageKey: Uint8Array,
  ) {
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      // Outbox and received-id rows decide what is sent and acknowledged: they must survive power loss.
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
      // Deleted rows (outbox plaintext, wiped records) are overwritten, not left in free pages.
      this.db.pragma('secure_delete = ON');
      this.db.pragma('busy_timeout = 5000');
      migrate(this.db);
    } catch (e) {
      throw storageError(e, 'messages', path);
    }
  }

  close(): void {
    this.db.close();
  }

  /** SQLite's quick check of the file's structure (sealed contents are checked as they are read). */
  checkIntegrity(): void {
    const result = this.run('messages', () => this.db.pragma('quick_check(1)', { simple: true }) as string);
    if (result !== 'ok')
      throw new MeowError('CORRUPTED', {
        what: 'message store',
        detail: `integrity check: ${result}`,
        file: this.path,
      });
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** A statement, prepared once per connection (preparing costs more than most runs). */
  private q(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `fn` in one transaction (nested calls become savepoints). */
  atomically<T>(fn: () => T): T {
    return this.run('messages', () => this.db.transaction(fn)());
  }

  private seal(bytes: Uint8Array, aad: string): Uint8Array {
    return aeadEncrypt(this.storageKey, bytes, utf8(aad));
  }

  private unseal(bytes: Uint8Array, aad: string): Uint8Array {
    try {
      return aeadDecrypt(this.storageKey, bytes, utf8(aad));
    } catch {
      throw new MeowError('CORRUPTED', { what: 'message store', detail: `${aad} does not decrypt` });
    }
  }

  private run<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw storageError(e, what, this.path);
    }
  }

  // ------------------------------------------------------------------ messages

  private bodyOf(m: NewMessage): Uint8Array {
    const body = encode(meow.DbMessage, {
      type: m.type,
      text: m.text ?? '',
      data: m.data ?? new Uint8Array(0),
      files: m.files ?? [],
      appdata: m.appdata ?? new Uint8Array(0),
      status: { uuid: m.uuid, answerToUuid: m.answerTo ?? '' },
    });
    return this.seal(body, `msg/${m.peerUid}/${m.uuid}`);
  }

  private insertMessageStmt() {
    return this.q(`INSERT OR IGNORE INTO messages
      (peer_uid, uuid, outbound, type, body, state, sent_at, received_at, processed_at, stored_at, seen_locally, author_device, synced, waiting_for, waiting_since)
      VALUES (@peerUid, @uuid, @outbound, @type, @body, @state, @sentAt, @receivedAt, @processedAt, @storedAt, @seen, @authorDevice, @synced, @waitingFor, @waitingSince)`);
  }

  /** The new row's id, or 0 when the conversation already has that uuid. */
  private insertMessageRaw(m: NewMessage, storedAt = Date.now()): number {
    const info = this.insertMessageStmt().run({
      peerUid: m.peerUid,
      uuid: m.uuid,
      outbound: m.outbound ? 1 : 0,
      type: m.type,
      body: this.bodyOf(m),
      state: m.state,
      sentAt: m.sentAt,
      receivedAt: m.receivedAt ?? 0,
      processedAt: m.processedAt ?? 0,
      storedAt,
      seen: m.seen ? 1 : 0,
      authorDevice: m.authorDevice ?? '',
      synced: m.synced ? 1 : 0,
      waitingFor: m.waitingFor ?? '',
      waitingSince: m.waitingSince ?? 0,
    });
    return info.changes === 1 ? Number(info.lastInsertRowid) : 0;
  }

  /** Stores a message (no outbox). Returns false if this conversation already has that uuid. */
  insertMessage(m: NewMessage): boolean {
    return this.run('messages', () => this.insertMessageRaw(m) !== 0);
  }

  /** insertMessage, returning the stored message as a read would (without reading it back). */
  insertMessageReturning(m: NewMessage): StoredMessage | undefined {
    const storedAt = Date.now();
    const id = this.run('messages', () => this.insertMessageRaw(m, storedAt));
    if (!id) return undefined;
    return {
      id,
      peerUid: m.peerUid,
      uuid: m.uuid,
      outbound: m.outbound,
      type: m.type,
      text: m.text ?? '',
      data: m.data ? new Uint8Array(m.data) : new Uint8Array(0),
      files: m.files ?? [],
      appdata: m.appdata ? new Uint8Array(m.appdata) : new Uint8Array(0),
      answerTo: m.answerTo ?? '',
      state: m.state,
      sentAt: m.sentAt,
      receivedAt: m.receivedAt ?? 0,
      processedAt: m.processedAt ?? 0,
      storedAt,
      seen: !!m.seen,
      authorDevice: m.authorDevice ?? '',
      synced: !!m.synced,
      waitingFor: m.waitingFor ?? '',
      waitingSince: m.waitingSince ?? 0,
    };
  }

  private fromRow(r: MessageRow): StoredMessage {
    const body = decodeStrict(
      meow.DbMessage,
      'DbMessage',
      this.unseal(r.body, `msg/${r.peer_uid}/${r.uuid}`),
    );
    return {
      id: r.id,
      peerUid: r.peer_uid,
      uuid: r.uuid,
      outbound: r.outbound === 1,
      type: r.type,
      text: body.text,
      data: new Uint8Array(body.data),
      files: body.files,
      appdata: new Uint8Array(body.appdata),
      answerTo: body.status?.answerToUuid ?? '',
      state: r.state,
      sentAt: r.sent_at,
      receivedAt: r.received_at,
      processedAt: r.processed_at,
      storedAt: r.stored_at,
      seen: r.seen_locally === 1,
      authorDevice: r.author_device,
      synced: r.synced === 1,
      waitingFor: r.waiting_for,
      waitingSince: r.waiting_since,
    };
  }

  /** A conversation, oldest first (by author time, then arrival). */
  listMessages(peerUid: string, opts: { limit?: number; since?: number } = {}): StoredMessage[] {
    return this.run('messages', () => {
      const rows = this.q(
        `SELECT * FROM (SELECT * FROM messages WHERE peer_uid = ? AND sent_at >= ? ORDER BY sent_at DESC, id DESC LIMIT ?)
           ORDER BY sent_at ASC, id ASC`,
      ).all(peerUid, opts.since ?? 0, opts.limit ?? -1) as MessageRow[];
      return rows.map((r) => this.fromRow(r));
    });
  }

  /**
   * A page of a conversation, oldest first: the newest `limit` messages ordered before
   * `before` (by author time, then arrival), or the newest of all.
   */
  pageMessages(
    peerUid: string,
    before: { sentAt: number; id: number } | null,
    limit: number,
  ): StoredMessage[] {
    return this.run('messages', () => {
      const rows = (
        before
          ? this.q(
              `SELECT * FROM messages WHERE peer_uid = ? AND (sent_at < ? OR (sent_at = ? AND id < ?))
                 ORDER BY sent_at DESC, id DESC LIMIT ?`,
            ).all(peerUid, before.sentAt, before.sentAt, before.id, limit)
          : this.q('SELECT * FROM messages WHERE peer_uid = ? ORDER BY sent_at DESC, id DESC LIMIT ?').all(
              peerUid,
              limit,
            )
      ) as MessageRow[];
      return rows.reverse().map((r) => this.fromRow(r));
    });
  }

  /** Per device peer uid: how many of my messages wait for that device to send them. */
  waitingForwards(): Map<string, number> {
    return this.run('messages', () => {
      const rows = this.q(
        "SELECT waiting_for AS device, count(*) AS n FROM messages WHERE state = 'pending_forward' GROUP BY waiting_for",
      ).all() as { device: string; n: number }[];
      return new Map(rows.map((r) => [r.device, r.n]));
    });
  }

  getMessage(peerUid: string, uuid: string): StoredMessage | undefined {
    const row = this.run('messages', () =>
      this.q('SELECT * FROM messages WHERE peer_uid = ? AND uuid = ?').get(peerUid, uuid),
    ) as MessageRow | undefined;
    return row ? this.fromRow(row) : undefined;
  }

  /** Messages of every conversation since `since`, newest first: initial device sync sends history this way. */
  messagesSince(since: number, afterId = Number.MAX_SAFE_INTEGER, limit = 200): StoredMessage[] {
    return this.run('messages', () =>
      (
        this.q('SELECT * FROM messages WHERE sent_at >= ? AND id < ? ORDER BY id DESC LIMIT ?').all(
          since,
          afterId,
          limit,
        ) as MessageRow[]
      ).map((r) => this.fromRow(r)),
    );
  }

  countMessagesSince(since: number): number {
    return this.run(
      'messages',
      () => (this.q('SELECT count(*) AS n FROM messages WHERE sent_at >= ?').get(since) as { n: number }).n,
    );
  }

  /** Per conversation: unread count and the newest message time (a maintained table, migration 0004). */
  conversationSummaries(): { peerUid: string; unread: number; lastAt: number; count: number }[] {
    return this.run('messages', () =>
      (
        this.q('SELECT peer_uid, unread, last_at, count FROM conversation_summary').all() as {
          peer_uid: string;
          unread: number;
          last_at: number;
          count: number;
        }[]
      ).map((r) => ({ peerUid: r.peer_uid, unread: r.unread, lastAt: r.last_at, count: r.count })),
    );
  }

  /** One conversation's summary (zeros when it has no message). */
  conversationSummary(peerUid: string): { peerUid: string; unread: number; lastAt: number; count: number } {
    const r = this.run(
      'messages',
      () =>
        this.q('SELECT unread, last_at, count FROM conversation_summary WHERE peer_uid = ?').get(peerUid) as
          { unread: number; last_at: number; count: number } | undefined,
    );
    return { peerUid, unread: r?.unread ?? 0, lastAt: r?.last_at ?? 0, count: r?.count ?? 0 };
  }

  /**
   * Applies a status update by the rules of messageState.ts (forward only, timestamps fill
   * in). Returns the updated message if anything changed.
   */
  advanceStatus(
    peerUid: string,
    uuid: string,
    update: StatusUpdate,
    opts: { outboundOnly?: boolean } = {},
  ): StoredMessage | undefined {
    return this.run('messages', () =>
      this.db.transaction(() => {
        const row = this.q('SELECT * FROM messages WHERE peer_uid = ? AND uuid = ?').get(peerUid, uuid) as
          MessageRow | undefined;
        if (!row || (opts.outboundOnly && row.outbound !== 1)) return undefined;
        const next = advanceStatus(
          {
            state: row.state,
            receivedAt: row.received_at,
            processedAt: row.processed_at,
            waitingFor: row.waiting_for,
            waitingSince: row.waiting_since,
          },
          update,
        );
        if (!next) return undefined;
        this.q(
          'UPDATE messages SET state = ?, received_at = ?, processed_at = ?, waiting_for = ?, waiting_since = ? WHERE id = ?',
        ).run(next.state, next.receivedAt, next.processedAt, next.waitingFor, next.waitingSince, row.id);
        return this.fromRow({
          ...row,
          state: next.state,
          received_at: next.receivedAt,
          processed_at: next.processedAt,
          waiting_for: next.waitingFor,
          waiting_since: next.waitingSince,
        });
      })(),
    );
  }

  /** Marks a conversation's inbound messages seen here; returns those newly seen (for read receipts). */
  markSeen(peerUid: string, now = Date.now()): StoredMessage[] {
    return this.run('messages', () =>
      this.db.transaction(() => {
        const rows = this.q(
          'SELECT * FROM messages WHERE peer_uid = ? AND outbound = 0 AND seen_locally = 0 ORDER BY id',
        ).all(peerUid) as MessageRow[];
        // processed_at records when it was read, so history sent to a new device arrives read too.
        this.q(
          `UPDATE messages SET seen_locally = 1, processed_at = CASE WHEN processed_at = 0 THEN ? ELSE processed_at END
             WHERE peer_uid = ? AND outbound = 0 AND seen_locally = 0`,
        ).run(now, peerUid);
        return rows.map((r) => this.fromRow({ ...r, seen_locally: 1, processed_at: r.processed_at || now }));
      })(),
    );
  }

  markSeenUuids(peerUid: string, uuids: string[]): void {
    const stmt = this.q('UPDATE messages SET seen_locally = 1 WHERE peer_uid = ? AND uuid = ?');
    this.run('messages', () => this.db.transaction(() => uuids.forEach((u) => stmt.run(peerUid, u)))());
  }

  deleteConversation(peerUid: string): void {
    this.run('messages', () =>
      this.db.transaction(() => {
        this.q('DELETE FROM messages WHERE peer_uid = ?').run(peerUid);
        this.q("DELETE FROM outbox WHERE peer_uid = ? AND channel = 'peer'").run(peerUid);
      })(),
    );
  }

  // -------------------------------------------------------------------- outbox

  private insertOutbox(row: OutboxItem): number {
    const now = Date.now();
    const info = this.q(
      `INSERT INTO outbox (channel, kind, peer_uid, message_uuid, plain, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      row.channel,
      row.kind ?? 'message',
      row.peerUid,
      row.messageUuid ?? null,
      new Uint8Array(0),
      row.notBefore ?? now,
      now,
    );
    const id = Number(info.lastInsertRowid);
    this.q('UPDATE outbox SET plain = ? WHERE id = ?').run(this.seal(row.plain, `outbox/${id}`), id);
    return id;
  }

  /**
   * The transactional outbox: the message row and the row that will send it are
   * written in one transaction, so a crash leaves both or neither.
   */
  insertOutgoing(message: NewMessage, send: OutboxItem | null, extra: OutboxItem[] = []): boolean {
    return this.run('outbox', () =>
      this.db.transaction(() => {
        if (!this.insertMessageRaw(message)) return false;
        if (send) this.insertOutbox({ ...send, messageUuid: message.uuid });
        for (const e of extra) this.insertOutbox(e);
        return true;
      })(),
    );
  }

  /** Queues a send that is not itself a conversation message (receipts, sync, answers). */
  enqueue(items: OutboxItem[]): void {
    this.run('outbox', () => this.db.transaction(() => items.forEach((i) => this.insertOutbox(i)))());
  }

  /** Due rows, oldest first. */
  dueOutbox(now: number, limit = 100): OutboxRow[] {
    return this.run('outbox', () =>
      (
        this.q('SELECT * FROM outbox WHERE next_attempt_at <= ? ORDER BY id LIMIT ?').all(
          now,
          limit,
        ) as OutboxDbRow[]
      ).map((r) => this.outboxFromRow(r)),
    );
  }

  outboxSize(): number {
    return this.run('outbox', () => (this.q('SELECT count(*) AS n FROM outbox').get() as { n: number }).n);
  }

  /** Earliest next attempt among waiting rows, or null when the outbox is empty. */
  nextOutboxAttempt(): number | null {
    return this.run('outbox', () => {
      const r = this.q('SELECT MIN(next_attempt_at) AS t FROM outbox').get() as { t: number | null };
      return r.t;
    });
  }

  outboxForPeer(channel: 'peer' | 'device', peerUid: string): OutboxRow[] {
    return this.run('outbox', () =>
      (
        this.q('SELECT * FROM outbox WHERE channel = ? AND peer_uid = ? ORDER BY id').all(
          channel,
          peerUid,
        ) as OutboxDbRow[]
      ).map((r) => this.outboxFromRow(r)),
    );
  }

  private outboxFromRow(r: OutboxDbRow): OutboxRow {
    return {
      id: r.id,
      kind: r.kind,
      channel: r.channel,
      peerUid: r.peer_uid,
      messageUuid: r.message_uuid,
      plain: this.unseal(r.plain, `outbox/${r.id}`),
      packed: r.packed ? new Uint8Array(r.packed) : null,
      serverUrl: r.server_url,
      attempts: r.attempts,
      nextAttemptAt: r.next_attempt_at,
      lastError: r.last_error,
      createdAt: r.created_at,
    };
  }

  /** Records the exact bytes to post (after the ratchet state that made them was persisted). */
  setPacked(id: number, packed: Uint8Array, serverUrl: string): void {
    this.run('outbox', () =>
      this.q('UPDATE outbox SET packed = ?, server_url = ? WHERE id = ?').run(packed, serverUrl, id),
    );
  }

  /** The relay accepted the row: drop it, and move its message from pending to sent. */
  outboxDone(
    row: OutboxRow,
    sentState: MessageState | null = 'sent',
    follow: (updated: StoredMessage) => OutboxItem[] = () => [],
  ): StoredMessage | undefined {
    return this.run('outbox', () =>
      this.db.transaction(() => {
        this.q('DELETE FROM outbox WHERE id = ?').run(row.id);
        if (row.messageUuid && sentState && row.channel === 'peer') {
          const updated = this.advanceStatus(row.peerUid, row.messageUuid, { state: sentState });
          if (updated) for (const i of follow(updated)) this.insertOutbox(i);
          return updated;
        }
        return undefined;
      })(),
    );
  }

  /**
   * A sibling's message waiting for the primary device: `pending` → `pending_forward`,
   * with whom it waits for and since when (never moves a message backwards otherwise).
   */
  markForwarding(
    peerUid: string,
    uuid: string,
    waitingFor: string,
    since: number,
  ): StoredMessage | undefined {
    return this.run('messages', () => {
      const info = this.q(
        "UPDATE messages SET state = 'pending_forward', waiting_for = ?, waiting_since = ? WHERE peer_uid = ? AND uuid = ? AND state IN ('pending', 'pending_forward')",
      ).run(waitingFor, since, peerUid, uuid);
      return info.changes ? this.getMessage(peerUid, uuid) : undefined;
    });
  }

  /**
   * The primary takes over a message another device could not send: if this profile holds
   * it unsent (pending_forward, or a synced `pending` copy with nothing queued for it) it
   * becomes pending with a row that sends it; returns false if there is nothing to claim
   * (already sent or queued, or unknown).
   */
  claimForward(peerUid: string, uuid: string, send: OutboxItem): boolean {
    return this.run('outbox', () =>
      this.db.transaction(() => {
        const info = this.q(
          `UPDATE messages SET state = 'pending', waiting_for = '', waiting_since = 0
             WHERE peer_uid = ? AND uuid = ? AND state IN ('pending', 'pending_forward')
               AND NOT EXISTS (SELECT 1 FROM outbox WHERE channel = 'peer' AND peer_uid = ? AND message_uuid = ?)`,
        ).run(peerUid, uuid, peerUid, uuid);
        if (info.changes === 0) return false;
        this.insertOutbox({ ...send, messageUuid: uuid });
        return true;
      })(),
    );
  }

  /** Replaces a row by other rows in one transaction (a sibling's send becomes a forward). */
  replaceOutbox(id: number, items: OutboxItem[]): void {
    this.run('outbox', () =>
      this.db.transaction(() => {
        this.q('DELETE FROM outbox WHERE id = ?').run(id);
        for (const i of items) this.insertOutbox(i);
      })(),
    );
  }

  /** How many rows wait for one channel. */
  outboxCount(channel: 'peer' | 'device', peerUid: string): number {
    return this.run(
      'outbox',
      () =>
        (
          this.q('SELECT count(*) AS n FROM outbox WHERE channel = ? AND peer_uid = ?').get(
            channel,
            peerUid,
          ) as { n: number }
        ).n,
    );
  }

  dropOutboxFor(channel: 'peer' | 'device', peerUid: string): number {
    return this.run(
      'outbox',
      () =>
        this.q('DELETE FROM outbox WHERE channel = ? AND peer_uid = ? AND packed IS NULL').run(
          channel,
          peerUid,
        ).changes,
    );
  }

  dropOutbox(id: number): void {
    this.run('outbox', () => this.q('DELETE FROM outbox WHERE id = ?').run(id));
  }

  /**
   * Merges rows of one channel into `into` (receipts; a sibling's fan-out): its plaintext is
   * replaced by the merged message and the others are deleted, in one transaction, before
   * anything is packed.
   */
  mergeOutboxRows(into: OutboxRow, others: OutboxRow[], mergedPlain: Uint8Array): void {
    this.run('outbox', () =>
      this.db.transaction(() => {
        this.q('UPDATE outbox SET plain = ? WHERE id = ?').run(
          this.seal(mergedPlain, `outbox/${into.id}`),
          into.id,
        );
        const del = this.q('DELETE FROM outbox WHERE id = ?');
        for (const o of others) del.run(o.id);
      })(),
    );
  }

  outboxRetry(id: number, error: string, nextAttemptAt: number): void {
    this.run('outbox', () =>
      this.q(
        'UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?',
      ).run(error, nextAttemptAt, id),
    );
  }

  /** Makes every waiting row due now (the network came back); failed rows wait for the person. */
  retryAllNow(): void {
    this.run('outbox', () =>
      this.q('UPDATE outbox SET next_attempt_at = 0 WHERE next_attempt_at < ?').run(OUTBOX_PARKED_AT),
    );
  }

  /** A channel's waiting rows are due now (its new session is up: what it held may go). */
  retryNowFor(channel: 'peer' | 'device', peerUid: string): void {
    this.run('outbox', () =>
      this.q(
        'UPDATE outbox SET next_attempt_at = 0 WHERE channel = ? AND peer_uid = ? AND next_attempt_at < ?',
      ).run(channel, peerUid, OUTBOX_PARKED_AT),
    );
  }

  /** The relay refused the row for good (about the message itself): it waits for the person. */
  outboxPark(id: number, reason: string): void {
    this.outboxRetry(id, reason, OUTBOX_PARKED_AT);
  }

  /** Why a message's send failed for good, or null (sending, sent, or never queued). */
  failedSend(messageUuid: string): string | null {
    return this.run('outbox', () => {
      const r = this.q(
        'SELECT last_error FROM outbox WHERE message_uuid = ? AND next_attempt_at >= ? LIMIT 1',
      ).get(messageUuid, OUTBOX_PARKED_AT) as { last_error: string | null } | undefined;
      return r ? (r.last_error ?? 'refused') : null;
    });
  }

  /** Makes a failed message's rows due now, with a fresh backoff; false when none had failed. */
  retryFailed(messageUuid: string): boolean {
    return this.run('outbox', () => {
      const info = this.q(
        'UPDATE outbox SET next_attempt_at = 0, attempts = 0 WHERE message_uuid = ? AND next_attempt_at >= ?',
      ).run(messageUuid, OUTBOX_PARKED_AT);
      return info.changes > 0;
    });
  }

  // ------------------------------------------------------------ channel state

  /** Every channel's ratchet and last activity, to load when the profile opens. */
  loadChannelStates(kind: 'peer' | 'device'): Map<string, { ratchet: Uint8Array | null; activeAt: number }> {
    return this.run('channel state', () => {
      const rows = this.q('SELECT uid, ratchet, active_at FROM channel_state WHERE kind = ?').all(kind) as {
        uid: string;
        ratchet: Buffer | null;
        active_at: number;
      }[];
      return new Map(
        rows.map((r) => [
          r.uid,
          {
            ratchet: r.ratchet ? this.unseal(r.ratchet, `ratchet/${kind}/${r.uid}`) : null,
            activeAt: r.active_at,
          },
        ]),
      );
    });
  }

  /**
   * Writes a channel's ratchet (null: none) and last activity — inside the caller's
   * transaction when there is one, so it commits with what the ratchet step produced.
   */
  setChannelState(kind: 'peer' | 'device', uid: string, ratchet: Uint8Array | null, activeAt: number): void {
    this.run('channel state', () =>
      this.q('INSERT OR REPLACE INTO channel_state (kind, uid, ratchet, active_at) VALUES (?, ?, ?, ?)').run(
        kind,
        uid,
        ratchet === null ? null : this.seal(ratchet, `ratchet/${kind}/${uid}`),
        activeAt,
      ),
    );
  }

  deleteChannelState(kind: 'peer' | 'device', uid: string): void {
    this.run('channel state', () =>
      this.q('DELETE FROM channel_state WHERE kind = ? AND uid = ?').run(kind, uid),
    );
  }

  // ------------------------------------------------------------ received ids

  hasReceived(serverId: string): boolean {
    return this.run(
      'messages',
      () => this.q('SELECT 1 FROM received WHERE server_id = ?').get(serverId) !== undefined,
    );
  }

  /**
   * Records a relay message as processed, together with whatever it produced, in one
   * transaction: after this, a redelivery is dropped before any ratchet work.
   */
  recordReceived(serverId: string, effects: () => void = () => undefined): void {
    this.run('messages', () =>
      this.db.transaction(() => {
        this.q('INSERT OR IGNORE INTO received (server_id, seen_at) VALUES (?, ?)').run(serverId, Date.now());
        effects();
      })(),
    );
  }

  pruneReceived(olderThan: number): number {
    return this.run(
      'messages',
      () => this.q('DELETE FROM received WHERE seen_at < ?').run(olderThan).changes,
    );
  }

  // ------------------------------------------- session resets (docs/sessions.md)

  /** The ciphertext digest a received (ratchet key, n) slot of a contact carried, if still remembered. */
  slotDigest(peerUid: string, slot: string): string | undefined {
    return this.run('ratchet slots', () => {
      const r = this.q('SELECT digest FROM ratchet_slots WHERE peer_uid = ? AND slot = ?').get(
        peerUid,
        slot,
      ) as { digest: string } | undefined;
      return r?.digest;
    });
  }

  /** Remembers what a received slot carried; keeps about the last RATCHET_SLOTS_KEPT per contact. */
  noteSlot(peerUid: string, slot: string, digest: string): void {
    this.run('ratchet slots', () => {
      const info = this.q(
        'INSERT OR IGNORE INTO ratchet_slots (peer_uid, slot, digest) VALUES (?, ?, ?)',
      ).run(peerUid, slot, digest);
      // Pruned once in a while, not on every message (the receive path is hot).
      if (info.changes && Number(info.lastInsertRowid) % 100 === 0)
        this.q(
          `DELETE FROM ratchet_slots WHERE peer_uid = ? AND id <= (
             SELECT id FROM ratchet_slots WHERE peer_uid = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
        ).run(peerUid, peerUid, RATCHET_SLOTS_KEPT);
    });
  }

  /** My messages to a contact the relay took but the contact never confirmed, oldest first. */
  unconfirmedOutbound(peerUid: string, since: number, limit = 500): StoredMessage[] {
    return this.run('messages', () =>
      (
        this.q(
          `SELECT * FROM messages WHERE peer_uid = ? AND outbound = 1 AND state = 'sent' AND sent_at >= ?
             ORDER BY sent_at, id LIMIT ?`,
        ).all(peerUid, since, limit) as MessageRow[]
      ).map((r) => this.fromRow(r)),
    );
  }

  /** Rows of a channel packed but not yet taken by the relay are packed again (a new session). */
  unpackOutbox(channel: 'peer' | 'device', peerUid: string): void {
    this.run('outbox', () =>
      this.q('UPDATE outbox SET packed = NULL, server_url = NULL WHERE channel = ? AND peer_uid = ?').run(
        channel,
        peerUid,
      ),
    );
  }
}

/** Received ratchet slots remembered per contact to tell a replay from a reused key. */
export const RATCHET_SLOTS_KEPT = 2000;
