/**
 * The transactional outbox (table `outbox`): what is to be sent, sealed, with its packed
 * bytes once its ratchet step is committed, its attempts and when it is next due. A message
 * of mine and the row that sends it are written in one transaction.
 */
import type { MessageState } from '../messenger/messageState.js';
import type { MessageTable, NewMessage, StoredMessage } from './messages.js';
import type { SqlStore } from './sqlStore.js';

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

export class OutboxTable {
  constructor(
    private readonly s: SqlStore,
    private readonly messages: MessageTable,
  ) {}

  private insertRow(row: OutboxItem): number {
    const now = Date.now();
    const info = this.s
      .q(
        `INSERT INTO outbox (channel, kind, peer_uid, message_uuid, plain, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        row.channel,
        row.kind ?? 'message',
        row.peerUid,
        row.messageUuid ?? null,
        new Uint8Array(0),
        row.notBefore ?? now,
        now,
      );
    const id = Number(info.lastInsertRowid);
    this.s.q('UPDATE outbox SET plain = ? WHERE id = ?').run(this.s.seal(row.plain, `outbox/${id}`), id);
    return id;
  }

  /**
   * The transactional outbox: the message row and the row that will send it are
   * written in one transaction, so a crash leaves both or neither.
   */
  insertOutgoing(message: NewMessage, send: OutboxItem | null, extra: OutboxItem[] = []): boolean {
    return this.s.run('outbox', () =>
      this.s.db.transaction(() => {
        if (!this.messages.insertRaw(message)) return false;
        if (send) this.insertRow({ ...send, messageUuid: message.uuid });
        for (const e of extra) this.insertRow(e);
        return true;
      })(),
    );
  }

  /** Queues a send that is not itself a conversation message (receipts, sync, answers). */
  enqueue(items: OutboxItem[]): void {
    this.s.run('outbox', () => this.s.db.transaction(() => items.forEach((i) => this.insertRow(i)))());
  }

  /** Due rows, oldest first. */
  due(now: number, limit = 100): OutboxRow[] {
    return this.s.run('outbox', () =>
      (
        this.s
          .q('SELECT * FROM outbox WHERE next_attempt_at <= ? ORDER BY id LIMIT ?')
          .all(now, limit) as OutboxDbRow[]
      ).map((r) => this.fromRow(r)),
    );
  }

  size(): number {
    return this.s.run(
      'outbox',
      () => (this.s.q('SELECT count(*) AS n FROM outbox').get() as { n: number }).n,
    );
  }

  /** Earliest next attempt among waiting rows, or null when the outbox is empty. */
  nextAttempt(): number | null {
    return this.s.run('outbox', () => {
      const r = this.s.q('SELECT MIN(next_attempt_at) AS t FROM outbox').get() as { t: number | null };
      return r.t;
    });
  }

  forPeer(channel: 'peer' | 'device', peerUid: string): OutboxRow[] {
    return this.s.run('outbox', () =>
      (
        this.s
          .q('SELECT * FROM outbox WHERE channel = ? AND peer_uid = ? ORDER BY id')
          .all(channel, peerUid) as OutboxDbRow[]
      ).map((r) => this.fromRow(r)),
    );
  }

  private fromRow(r: OutboxDbRow): OutboxRow {
    return {
      id: r.id,
      kind: r.kind,
      channel: r.channel,
      peerUid: r.peer_uid,
      messageUuid: r.message_uuid,
      plain: this.s.unseal(r.plain, `outbox/${r.id}`),
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
    this.s.run('outbox', () =>
      this.s.q('UPDATE outbox SET packed = ?, server_url = ? WHERE id = ?').run(packed, serverUrl, id),
    );
  }

  /** The relay accepted the row: drop it, and move its message from pending to sent. */
  done(
    row: OutboxRow,
    sentState: MessageState | null = 'sent',
    follow: (updated: StoredMessage) => OutboxItem[] = () => [],
  ): StoredMessage | undefined {
    return this.s.run('outbox', () =>
      this.s.db.transaction(() => {
        this.s.q('DELETE FROM outbox WHERE id = ?').run(row.id);
        if (row.messageUuid && sentState && row.channel === 'peer') {
          const updated = this.messages.advanceStatus(row.peerUid, row.messageUuid, { state: sentState });
          if (updated) for (const i of follow(updated)) this.insertRow(i);
          return updated;
        }
        return undefined;
      })(),
    );
  }

  /**
   * The primary takes over a message another device could not send: if this profile holds
   * it unsent (pending_forward, or a synced `pending` copy with nothing queued for it) it
   * becomes pending with a row that sends it; returns false if there is nothing to claim
   * (already sent or queued, or unknown).
   */
  claimForward(peerUid: string, uuid: string, send: OutboxItem): boolean {
    return this.s.run('outbox', () =>
      this.s.db.transaction(() => {
        const info = this.s
          .q(
            `UPDATE messages SET state = 'pending', waiting_for = '', waiting_since = 0
             WHERE peer_uid = ? AND uuid = ? AND state IN ('pending', 'pending_forward')
               AND NOT EXISTS (SELECT 1 FROM outbox WHERE channel = 'peer' AND peer_uid = ? AND message_uuid = ?)`,
          )
          .run(peerUid, uuid, peerUid, uuid);
        if (info.changes === 0) return false;
        this.insertRow({ ...send, messageUuid: uuid });
        return true;
      })(),
    );
  }

  /** Replaces a row by other rows in one transaction (a sibling's send becomes a forward). */
  replace(id: number, items: OutboxItem[]): void {
    this.s.run('outbox', () =>
      this.s.db.transaction(() => {
        this.s.q('DELETE FROM outbox WHERE id = ?').run(id);
        for (const i of items) this.insertRow(i);
      })(),
    );
  }

  /** How many rows wait for one channel. */
  count(channel: 'peer' | 'device', peerUid: string): number {
    return this.s.run(
      'outbox',
      () =>
        (
          this.s
            .q('SELECT count(*) AS n FROM outbox WHERE channel = ? AND peer_uid = ?')
            .get(channel, peerUid) as { n: number }
        ).n,
    );
  }

  dropFor(channel: 'peer' | 'device', peerUid: string): number {
    return this.s.run(
      'outbox',
      () =>
        this.s
          .q('DELETE FROM outbox WHERE channel = ? AND peer_uid = ? AND packed IS NULL')
          .run(channel, peerUid).changes,
    );
  }

  drop(id: number): void {
    this.s.run('outbox', () => this.s.q('DELETE FROM outbox WHERE id = ?').run(id));
  }

  /**
   * Merges rows of one channel into `into` (receipts; a sibling's fan-out): its plaintext is
   * replaced by the merged message and the others are deleted, in one transaction, before
   * anything is packed.
   */
  merge(into: OutboxRow, others: OutboxRow[], mergedPlain: Uint8Array): void {
    this.s.run('outbox', () =>
      this.s.db.transaction(() => {
        this.s
          .q('UPDATE outbox SET plain = ? WHERE id = ?')
          .run(this.s.seal(mergedPlain, `outbox/${into.id}`), into.id);
        const del = this.s.q('DELETE FROM outbox WHERE id = ?');
        for (const o of others) del.run(o.id);
      })(),
    );
  }

  retry(id: number, error: string, nextAttemptAt: number): void {
    this.s.run('outbox', () =>
      this.s
        .q('UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?')
        .run(error, nextAttemptAt, id),
    );
  }

  /** Makes every waiting row due now (the network came back); failed rows wait for the person. */
  retryAllNow(): void {
    this.s.run('outbox', () =>
      this.s.q('UPDATE outbox SET next_attempt_at = 0 WHERE next_attempt_at < ?').run(OUTBOX_PARKED_AT),
    );
  }

  /** A channel's waiting rows are due now (its new session is up: what it held may go). */
  retryNowFor(channel: 'peer' | 'device', peerUid: string): void {
    this.s.run('outbox', () =>
      this.s
        .q('UPDATE outbox SET next_attempt_at = 0 WHERE channel = ? AND peer_uid = ? AND next_attempt_at < ?')
        .run(channel, peerUid, OUTBOX_PARKED_AT),
    );
  }

  /** The relay refused the row for good (about the message itself): it waits for the person. */
  park(id: number, reason: string): void {
    this.retry(id, reason, OUTBOX_PARKED_AT);
  }

  /** Why a message's send failed for good, or null (sending, sent, or never queued). */
  failedSend(messageUuid: string): string | null {
    return this.s.run('outbox', () => {
      const r = this.s
        .q('SELECT last_error FROM outbox WHERE message_uuid = ? AND next_attempt_at >= ? LIMIT 1')
        .get(messageUuid, OUTBOX_PARKED_AT) as { last_error: string | null } | undefined;
      return r ? (r.last_error ?? 'refused') : null;
    });
  }

  /** Makes a failed message's rows due now, with a fresh backoff; false when none had failed. */
  retryFailed(messageUuid: string): boolean {
    return this.s.run('outbox', () => {
      const info = this.s
        .q(
          'UPDATE outbox SET next_attempt_at = 0, attempts = 0 WHERE message_uuid = ? AND next_attempt_at >= ?',
        )
        .run(messageUuid, OUTBOX_PARKED_AT);
      return info.changes > 0;
    });
  }

  /** Rows of a channel packed but not yet taken by the relay are packed again (a new session). */
  unpack(channel: 'peer' | 'device', peerUid: string): void {
    this.s.run('outbox', () =>
      this.s
        .q('UPDATE outbox SET packed = NULL, server_url = NULL WHERE channel = ? AND peer_uid = ?')
        .run(channel, peerUid),
    );
  }
}
