/**
 * Reactions, edits and deletions of messages (table `message_actions`, migration 0007): one
 * row per action id, the emoji or text sealed. Rows are only added (a copy that arrives twice
 * is ignored) or, when a message is deleted for everyone, its edits are wiped; what a message
 * shows is folded from its rows when read (messenger/actionFold.ts).
 */
import { decodeStrict, encode, meow } from '../../../protocol/wire/proto.js';
import type { SqlStore } from './sqlStore.js';

export type ActionKind = 'react' | 'edit' | 'delete' | 'hide' | 'timer';

export interface StoredAction {
  id: string;
  peerUid: string;
  targetUuid: string;
  kind: ActionKind;
  /** Written by me (on any of my devices); false: by the contact. */
  mine: boolean;
  at: number;
  authorDevice: string;
  emoji: string;
  text: string;
  /** kind "timer": the conversation's disappearing timer (ms; 0: off). */
  timer?: number;
}

interface ActionRow {
  id: string;
  peer_uid: string;
  target_uuid: string;
  kind: ActionKind;
  mine: number;
  at: number;
  author_device: string;
  body: Buffer;
}

export class ActionTable {
  constructor(private readonly s: SqlStore) {}

  private aad(peerUid: string, id: string): string {
    return `action/${peerUid}/${id}`;
  }

  /** Stores an action; false when that action id is already stored. */
  insert(a: StoredAction): boolean {
    const body = this.s.seal(
      encode(meow.MessageAction, { emoji: a.emoji, text: a.text, timer: a.timer ?? 0 }),
      this.aad(a.peerUid, a.id),
    );
    return this.s.run('messages', () => {
      const info = this.s
        .q(
          `INSERT OR IGNORE INTO message_actions (id, peer_uid, target_uuid, kind, mine, at, author_device, body)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(a.id, a.peerUid, a.targetUuid, a.kind, a.mine ? 1 : 0, a.at, a.authorDevice, body);
      return info.changes === 1;
    });
  }

  /** Every action on one message, oldest first (by the author's clock, then id: the same order everywhere). */
  forTarget(peerUid: string, targetUuid: string): StoredAction[] {
    return this.s.run('messages', () =>
      (
        this.s
          .q('SELECT * FROM message_actions WHERE peer_uid = ? AND target_uuid = ? ORDER BY at, id')
          .all(peerUid, targetUuid) as ActionRow[]
      ).map((r) => this.fromRow(r)),
    );
  }

  /** Whether a message was deleted here for me (a tombstone: a late copy of it is not stored again). */
  hidden(peerUid: string, targetUuid: string): boolean {
    return this.s.run(
      'messages',
      () =>
        !!this.s
          .q("SELECT 1 FROM message_actions WHERE peer_uid = ? AND target_uuid = ? AND kind = 'hide' LIMIT 1")
          .get(peerUid, targetUuid),
    );
  }

  /** A deletion for everyone wipes the earlier texts of the message (its edits). */
  wipeEdits(peerUid: string, targetUuid: string): void {
    this.s.run('messages', () =>
      this.s
        .q("DELETE FROM message_actions WHERE peer_uid = ? AND target_uuid = ? AND kind = 'edit'")
        .run(peerUid, targetUuid),
    );
  }

  /** Every action on a message goes (it disappeared: nothing of it stays). */
  wipeTarget(peerUid: string, targetUuid: string): void {
    this.s.run('messages', () =>
      this.s.q('DELETE FROM message_actions WHERE peer_uid = ? AND target_uuid = ?').run(peerUid, targetUuid),
    );
  }

  /** Every action made since `since` (for a new device's history), oldest first. */
  since(since: number): StoredAction[] {
    return this.s.run('messages', () =>
      (this.s.q('SELECT * FROM message_actions WHERE at >= ? ORDER BY at, id').all(since) as ActionRow[]).map(
        (r) => this.fromRow(r),
      ),
    );
  }

  private fromRow(r: ActionRow): StoredAction {
    const body = decodeStrict(
      meow.MessageAction,
      'MessageAction',
      this.s.unseal(r.body, this.aad(r.peer_uid, r.id)),
    );
    return {
      id: r.id,
      peerUid: r.peer_uid,
      targetUuid: r.target_uuid,
      kind: r.kind,
      mine: r.mine === 1,
      at: r.at,
      authorDevice: r.author_device,
      emoji: body.emoji,
      text: body.text,
      timer: Number(body.timer),
    };
  }
}
