/**
 * The conversations (table `messages`): one row per message, its content sealed (only
 * what queries need is in columns: conversation, uuid, state, timestamps), and the
 * per-conversation summary that triggers keep (migration 0004).
 */
import { decodeStrict, encode, meow } from '../../../protocol/wire/proto.js';
import { advanceStatus, type StatusUpdate } from '../messenger/messageState.js';
import type { SqlStore } from './sqlStore.js';

export type { MessageRow, MessageState, NewMessage, StoredMessage } from './messageRecord.js';
import type { MessageRow, NewMessage, StoredMessage } from './messageRecord.js';

export class MessageTable {
  constructor(private readonly s: SqlStore) {}

  private bodyOf(m: NewMessage): Uint8Array {
    const body = encode(meow.DbMessage, {
      type: m.type,
      text: m.text ?? '',
      data: m.data ?? new Uint8Array(0),
      files: m.files ?? [],
      appdata: m.appdata ?? new Uint8Array(0),
      status: { uuid: m.uuid, answerToUuid: m.answerTo ?? '' },
    });
    return this.s.seal(body, `msg/${m.peerUid}/${m.uuid}`);
  }

  private insertStmt() {
    return this.s.q(`INSERT OR IGNORE INTO messages
      (peer_uid, uuid, outbound, type, body, state, sent_at, received_at, processed_at, stored_at, seen_locally, author_device, synced, waiting_for, waiting_since, expire_after)
      VALUES (@peerUid, @uuid, @outbound, @type, @body, @state, @sentAt, @receivedAt, @processedAt, @storedAt, @seen, @authorDevice, @synced, @waitingFor, @waitingSince, @expireAfter)`);
  }

  /**
   * The new row's id, or 0 when the conversation already has that uuid — or when that message
   * was deleted here for me (a late copy of it stays deleted). A copy of a message its author
   * deleted for everyone is stored without its content.
   */
  insertRaw(m: NewMessage, storedAt = Date.now()): number {
    return this.insertAsStored(m, storedAt).id;
  }

  /** insertRaw, with the message as it was stored (without the content of one deleted for everyone). */
  private insertAsStored(m: NewMessage, storedAt: number): { id: number; m: NewMessage } {
    const tombstones = this.s
      .q(
        "SELECT kind, mine FROM message_actions WHERE peer_uid = ? AND target_uuid = ? AND kind IN ('hide', 'delete')",
      )
      .all(m.peerUid, m.uuid) as { kind: string; mine: number }[];
    if (tombstones.some((t) => t.kind === 'hide')) return { id: 0, m };
    if (tombstones.some((t) => t.kind === 'delete' && t.mine === (m.outbound ? 1 : 0)))
      m = { ...m, text: '', data: undefined, files: [], appdata: undefined };
    const info = this.insertStmt().run({
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
      expireAfter: m.expireAfter ?? 0,
    });
    return { id: info.changes === 1 ? Number(info.lastInsertRowid) : 0, m };
  }

  /** Stores a message (no outbox). Returns false if this conversation already has that uuid. */
  insert(m: NewMessage): boolean {
    return this.s.run('messages', () => this.insertRaw(m) !== 0);
  }

  /** insertMessage, returning the stored message as a read would (without reading it back). */
  insertReturning(input: NewMessage): StoredMessage | undefined {
    const storedAt = Date.now();
    const { id, m: stored } = this.s.run('messages', () => this.insertAsStored(input, storedAt));
    if (!id) return undefined;
    const m = stored;
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
      expireAfter: m.expireAfter ?? 0,
    };
  }

  private fromRow(r: MessageRow): StoredMessage {
    const body = decodeStrict(
      meow.DbMessage,
      'DbMessage',
      this.s.unseal(r.body, `msg/${r.peer_uid}/${r.uuid}`),
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
      expireAfter: r.expire_after,
    };
  }

  /** A conversation, oldest first (by author time, then arrival). */
  list(peerUid: string, opts: { limit?: number; since?: number } = {}): StoredMessage[] {
    return this.s.run('messages', () => {
      const rows = this.s
        .q(
          `SELECT * FROM (SELECT * FROM messages WHERE peer_uid = ? AND sent_at >= ? ORDER BY sent_at DESC, id DESC LIMIT ?)
           ORDER BY sent_at ASC, id ASC`,
        )
        .all(peerUid, opts.since ?? 0, opts.limit ?? -1) as MessageRow[];
      return rows.map((r) => this.fromRow(r));
    });
  }

  /**
   * A page of a conversation, oldest first: the newest `limit` messages ordered before
   * `before` (by author time, then arrival), or the newest of all.
   */
  page(peerUid: string, before: { sentAt: number; id: number } | null, limit: number): StoredMessage[] {
    return this.s.run('messages', () => {
      const rows = (
        before
          ? this.s
              .q(
                `SELECT * FROM messages WHERE peer_uid = ? AND (sent_at < ? OR (sent_at = ? AND id < ?))
                 ORDER BY sent_at DESC, id DESC LIMIT ?`,
              )
              .all(peerUid, before.sentAt, before.sentAt, before.id, limit)
          : this.s
              .q('SELECT * FROM messages WHERE peer_uid = ? ORDER BY sent_at DESC, id DESC LIMIT ?')
              .all(peerUid, limit)
      ) as MessageRow[];
      return rows.reverse().map((r) => this.fromRow(r));
    });
  }

  /** Per device peer uid: how many of my messages wait for that device to send them. */
  waitingForwards(): Map<string, number> {
    return this.s.run('messages', () => {
      const rows = this.s
        .q(
          "SELECT waiting_for AS device, count(*) AS n FROM messages WHERE state = 'pending_forward' GROUP BY waiting_for",
        )
        .all() as { device: string; n: number }[];
      return new Map(rows.map((r) => [r.device, r.n]));
    });
  }

  get(peerUid: string, uuid: string): StoredMessage | undefined {
    const row = this.s.run('messages', () =>
      this.s.q('SELECT * FROM messages WHERE peer_uid = ? AND uuid = ?').get(peerUid, uuid),
    ) as MessageRow | undefined;
    return row ? this.fromRow(row) : undefined;
  }

  /** Messages of every conversation since `since`, newest first: initial device sync sends history this way. */
  since(since: number, afterId = Number.MAX_SAFE_INTEGER, limit = 200): StoredMessage[] {
    return this.s.run('messages', () =>
      (
        this.s
          .q('SELECT * FROM messages WHERE sent_at >= ? AND id < ? ORDER BY id DESC LIMIT ?')
          .all(since, afterId, limit) as MessageRow[]
      ).map((r) => this.fromRow(r)),
    );
  }

  countSince(since: number): number {
    return this.s.run(
      'messages',
      () => (this.s.q('SELECT count(*) AS n FROM messages WHERE sent_at >= ?').get(since) as { n: number }).n,
    );
  }

  /** Per conversation: unread count and the newest message time (a maintained table, migration 0004). */
  summaries(): { peerUid: string; unread: number; lastAt: number; count: number }[] {
    return this.s.run('messages', () =>
      (
        this.s.q('SELECT peer_uid, unread, last_at, count FROM conversation_summary').all() as {
          peer_uid: string;
          unread: number;
          last_at: number;
          count: number;
        }[]
      ).map((r) => ({ peerUid: r.peer_uid, unread: r.unread, lastAt: r.last_at, count: r.count })),
    );
  }

  /** One conversation's summary (zeros when it has no message). */
  summary(peerUid: string): { peerUid: string; unread: number; lastAt: number; count: number } {
    const r = this.s.run(
      'messages',
      () =>
        this.s
          .q('SELECT unread, last_at, count FROM conversation_summary WHERE peer_uid = ?')
          .get(peerUid) as { unread: number; last_at: number; count: number } | undefined,
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
    return this.s.run('messages', () =>
      this.s.db.transaction(() => {
        const row = this.s.q('SELECT * FROM messages WHERE peer_uid = ? AND uuid = ?').get(peerUid, uuid) as
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
        this.s
          .q(
            'UPDATE messages SET state = ?, received_at = ?, processed_at = ?, waiting_for = ?, waiting_since = ? WHERE id = ?',
          )
          .run(next.state, next.receivedAt, next.processedAt, next.waitingFor, next.waitingSince, row.id);
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
  /**
   * Marks a contact's messages read here: all, or (`upTo`) those up to that position in
   * the conversation (by author time, then arrival — the order the person reads in).
   */
  markSeen(peerUid: string, now = Date.now(), upTo?: { sentAt: number; id: number }): StoredMessage[] {
    // No bound: everything (the largest position there is).
    const bound = upTo ?? { sentAt: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER };
    const within = '(sent_at < ? OR (sent_at = ? AND id <= ?))';
    return this.s.run('messages', () =>
      this.s.db.transaction(() => {
        const rows = this.s
          .q(
            `SELECT * FROM messages WHERE peer_uid = ? AND outbound = 0 AND seen_locally = 0 AND ${within} ORDER BY id`,
          )
          .all(peerUid, bound.sentAt, bound.sentAt, bound.id) as MessageRow[];
        // processed_at records when it was read, so history sent to a new device arrives read too.
        this.s
          .q(
            `UPDATE messages SET seen_locally = 1, processed_at = CASE WHEN processed_at = 0 THEN ? ELSE processed_at END
             WHERE peer_uid = ? AND outbound = 0 AND seen_locally = 0 AND ${within}`,
          )
          .run(now, peerUid, bound.sentAt, bound.sentAt, bound.id);
        return rows.map((r) => this.fromRow({ ...r, seen_locally: 1, processed_at: r.processed_at || now }));
      })(),
    );
  }

  markSeenUuids(peerUid: string, uuids: string[]): void {
    const stmt = this.s.q('UPDATE messages SET seen_locally = 1 WHERE peer_uid = ? AND uuid = ?');
    this.s.run('messages', () => this.s.db.transaction(() => uuids.forEach((u) => stmt.run(peerUid, u)))());
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
    return this.s.run('messages', () => {
      const info = this.s
        .q(
          "UPDATE messages SET state = 'pending_forward', waiting_for = ?, waiting_since = ? WHERE peer_uid = ? AND uuid = ? AND state IN ('pending', 'pending_forward')",
        )
        .run(waitingFor, since, peerUid, uuid);
      return info.changes ? this.get(peerUid, uuid) : undefined;
    });
  }

  /**
   * When a disappearing message is due: sent + expire_after for mine, read + expire_after for
   * the contact's (not before it was read).
   */
  private static readonly DUE = `CASE WHEN outbound = 1 THEN sent_at ELSE processed_at END + expire_after`;
  private static readonly STARTED = `expire_after > 0 AND (outbound = 1 OR processed_at > 0)`;

  /** Disappearing messages due at `now`, at most `limit` (the sweep takes them in rounds). */
  expired(now: number, limit = 500): StoredMessage[] {
    return this.s.run('messages', () =>
      (
        this.s
          .q(`SELECT * FROM messages WHERE ${MessageTable.STARTED} AND ${MessageTable.DUE} <= ? LIMIT ?`)
          .all(now, limit) as MessageRow[]
      ).map((r) => this.fromRow(r)),
    );
  }

  /** When the next disappearing message is due (unix ms), or 0 when none is counting down. */
  nextExpiry(): number {
    return this.s.run('messages', () => {
      const r = this.s
        .q(`SELECT min(${MessageTable.DUE}) AS due FROM messages WHERE ${MessageTable.STARTED}`)
        .get() as { due: number | null };
      return r.due ?? 0;
    });
  }

  /** Deleted for me: the row goes (its summary follows); the caller keeps the tombstone. */
  remove(peerUid: string, uuid: string): boolean {
    return this.s.run(
      'messages',
      () => this.s.q('DELETE FROM messages WHERE peer_uid = ? AND uuid = ?').run(peerUid, uuid).changes === 1,
    );
  }

  /** Deleted for everyone: the content is overwritten (the row stays, to show "message deleted"). */
  wipeContent(peerUid: string, uuid: string): boolean {
    const row = this.s.run(
      'messages',
      () =>
        this.s.q('SELECT * FROM messages WHERE peer_uid = ? AND uuid = ?').get(peerUid, uuid) as
          MessageRow | undefined,
    );
    if (!row) return false;
    const m = this.fromRow(row);
    const body = this.bodyOf({ ...m, text: '', data: undefined, files: [], appdata: undefined });
    return this.s.run(
      'messages',
      () => this.s.q('UPDATE messages SET body = ? WHERE id = ?').run(body, row.id).changes === 1,
    );
  }

  /**
   * A conversation deleted up to `upTo` (its messages' sentAt, ms), with their reactions and
   * edits; returns the removed messages (their files go too). Later ones stay (one sent while
   * the deletion travelled to my other devices).
   */
  forgetUpTo(peerUid: string, upTo: number): StoredMessage[] {
    return this.s.run('messages', () =>
      this.s.db.transaction(() => {
        const rows = this.s
          .q('SELECT * FROM messages WHERE peer_uid = ? AND sent_at <= ?')
          .all(peerUid, upTo) as MessageRow[];
        this.s
          .q(
            'DELETE FROM message_actions WHERE peer_uid = ? AND target_uuid IN (SELECT uuid FROM messages WHERE peer_uid = ? AND sent_at <= ?)',
          )
          .run(peerUid, peerUid, upTo);
        this.s.q('DELETE FROM messages WHERE peer_uid = ? AND sent_at <= ?').run(peerUid, upTo);
        return rows.map((r) => this.fromRow(r));
      })(),
    );
  }

  deleteConversation(peerUid: string): void {
    this.s.run('messages', () =>
      this.s.db.transaction(() => {
        this.s.q('DELETE FROM messages WHERE peer_uid = ?').run(peerUid);
        this.s.q('DELETE FROM message_actions WHERE peer_uid = ?').run(peerUid);
        this.s.q("DELETE FROM outbox WHERE peer_uid = ? AND channel = 'peer'").run(peerUid);
      })(),
    );
  }

  /** My messages to a contact the relay took but the contact never confirmed, oldest first. */
  unconfirmedOutbound(peerUid: string, since: number, limit = 500): StoredMessage[] {
    return this.s.run('messages', () =>
      (
        this.s
          .q(
            `SELECT * FROM messages WHERE peer_uid = ? AND outbound = 1 AND state = 'sent' AND sent_at >= ?
             ORDER BY sent_at, id LIMIT ?`,
          )
          .all(peerUid, since, limit) as MessageRow[]
      ).map((r) => this.fromRow(r)),
    );
  }
}
