/** Each numbered migration of messages.db, on its own and in sequence. */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { currentVersion, migrate, MIGRATIONS } from '../../main/core/storage/migrations/index.js';

const columns = (db: Database.Database, table: string) =>
  (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);

describe('messages.db migrations', () => {
  it('0001 creates messages, outbox and received', () => {
    const db = new Database(':memory:');
    migrate(db, 1);
    expect(currentVersion(db)).toBe(1);
    expect(columns(db, 'messages')).toEqual(
      expect.arrayContaining(['peer_uid', 'uuid', 'body', 'state', 'sent_at']),
    );
    expect(columns(db, 'outbox')).toEqual(
      expect.arrayContaining(['channel', 'kind', 'plain', 'packed', 'next_attempt_at']),
    );
    expect(columns(db, 'received')).toEqual(['server_id', 'seen_at']);
    // one row per (conversation, uuid)
    const ins = db.prepare(
      "INSERT OR IGNORE INTO messages (peer_uid, uuid, outbound, type, body, state, sent_at, stored_at) VALUES ('p', 'u', 1, 'text', x'00', 'sent', 1, 1)",
    );
    expect(ins.run().changes).toBe(1);
    expect(ins.run().changes).toBe(0);
  });

  it('0002 adds the multi-device columns and keeps existing rows', () => {
    const db = new Database(':memory:');
    migrate(db, 1);
    db.prepare(
      "INSERT INTO messages (peer_uid, uuid, outbound, type, body, state, sent_at, stored_at) VALUES ('p', 'u', 0, 'text', x'00', 'received', 1, 1)",
    ).run();
    migrate(db, 2);
    expect(currentVersion(db)).toBe(2);
    expect(columns(db, 'messages')).toEqual(
      expect.arrayContaining(['author_device', 'synced', 'waiting_for', 'waiting_since']),
    );
    expect(db.prepare('SELECT uuid, synced, waiting_for FROM messages').all()).toEqual([
      { uuid: 'u', synced: 0, waiting_for: '' },
    ]);
  });

  it('0003 adds the channel state table, one row per (kind, uid)', () => {
    const db = new Database(':memory:');
    migrate(db, 2);
    migrate(db, 3);
    expect(currentVersion(db)).toBe(3);
    expect(columns(db, 'channel_state')).toEqual(['kind', 'uid', 'ratchet', 'active_at']);
    const put = db.prepare(
      'INSERT OR REPLACE INTO channel_state (kind, uid, ratchet, active_at) VALUES (?, ?, ?, ?)',
    );
    put.run('peer', 'u', Buffer.from('a'), 1);
    put.run('peer', 'u', Buffer.from('b'), 2);
    put.run('device', 'u', null, 3);
    expect(db.prepare('SELECT count(*) AS n FROM channel_state').get()).toEqual({ n: 2 });
    expect(() => put.run('group', 'u', null, 0)).toThrowError(/CHECK/);
  });

  it('0004 summarises existing conversations and keeps the summaries through inserts, reads and deletes', () => {
    const db = new Database(':memory:');
    migrate(db, 3);
    const ins = db.prepare(
      "INSERT INTO messages (peer_uid, uuid, outbound, type, body, state, sent_at, stored_at, seen_locally) VALUES (?, ?, ?, 'text', x'00', 'received', ?, 1, ?)",
    );
    ins.run('p', 'a', 0, 10, 0);
    ins.run('p', 'b', 1, 20, 1);
    ins.run('q', 'c', 0, 5, 1);
    migrate(db, 4);
    expect(currentVersion(db)).toBe(4);
    const summary = () =>
      db.prepare('SELECT peer_uid, count, unread, last_at FROM conversation_summary ORDER BY peer_uid').all();
    expect(summary()).toEqual([
      { peer_uid: 'p', count: 2, unread: 1, last_at: 20 },
      { peer_uid: 'q', count: 1, unread: 0, last_at: 5 },
    ]);
    ins.run('p', 'd', 0, 30, 0); // received, unread
    ins.run('r', 'e', 0, 7, 0); // a new conversation
    db.prepare("UPDATE messages SET seen_locally = 1 WHERE peer_uid = 'p'").run(); // read
    db.prepare("UPDATE messages SET state = 'read' WHERE uuid = 'b'").run(); // untouched columns
    db.prepare("DELETE FROM messages WHERE uuid = 'd'").run(); // the newest goes: last_at falls back
    db.prepare("DELETE FROM messages WHERE peer_uid = 'q'").run(); // a whole conversation
    expect(summary()).toEqual([
      { peer_uid: 'p', count: 2, unread: 0, last_at: 20 },
      { peer_uid: 'r', count: 1, unread: 1, last_at: 7 },
    ]);
    // the same as a scan says
    expect(summary()).toEqual(
      db
        .prepare(
          'SELECT peer_uid, COUNT(*) AS count, SUM(outbound = 0 AND seen_locally = 0) AS unread, MAX(sent_at) AS last_at FROM messages GROUP BY peer_uid ORDER BY peer_uid',
        )
        .all(),
    );
  });

  it('0005 adds ratchet slots: one digest per (contact, slot), kept apart from the ratchet', () => {
    const db = new Database(':memory:');
    migrate(db, 5);
    expect(currentVersion(db)).toBe(5);
    expect(columns(db, 'ratchet_slots')).toEqual(['id', 'peer_uid', 'slot', 'digest']);
    const ins = db.prepare('INSERT OR IGNORE INTO ratchet_slots (peer_uid, slot, digest) VALUES (?, ?, ?)');
    expect(ins.run('p', 'k/1', 'aa').changes).toBe(1);
    expect(ins.run('p', 'k/1', 'bb').changes).toBe(0); // the first ciphertext seen stays the reference
    expect(ins.run('q', 'k/1', 'bb').changes).toBe(1);
  });

  it('0007 adds message actions: one row per action id, found by conversation and target', () => {
    const db = new Database(':memory:');
    migrate(db, 7);
    expect(currentVersion(db)).toBe(7);
    expect(columns(db, 'message_actions')).toEqual([
      'id',
      'peer_uid',
      'target_uuid',
      'kind',
      'mine',
      'at',
      'author_device',
      'body',
    ]);
    const ins = db.prepare(
      "INSERT OR IGNORE INTO message_actions VALUES (?, 'p', 't', 'react', 1, 1, 'd', x'00')",
    );
    expect(ins.run('a1').changes).toBe(1);
    expect(ins.run('a1').changes).toBe(0); // the same action arriving twice is stored once
  });

  it('0008 adds the conversation state: one sealed record per conversation', () => {
    const db = new Database(':memory:');
    migrate(db, 8);
    expect(currentVersion(db)).toBe(8);
    expect(columns(db, 'conversation_state')).toEqual(['peer_uid', 'body']);
    const put = db.prepare("INSERT OR REPLACE INTO conversation_state VALUES ('p', ?)");
    put.run(Buffer.from([1]));
    put.run(Buffer.from([2]));
    expect(db.prepare('SELECT count(*) AS n FROM conversation_state').get()).toEqual({ n: 1 });
  });

  it('0009 adds pending uploads: one sealed record per file send', () => {
    const db = new Database(':memory:');
    migrate(db, 9);
    expect(currentVersion(db)).toBe(9);
    expect(columns(db, 'pending_upload')).toEqual(['id', 'created_at', 'body']);
    const put = db.prepare("INSERT OR REPLACE INTO pending_upload VALUES ('s', 1, ?)");
    put.run(Buffer.from([1]));
    put.run(Buffer.from([2]));
    expect(db.prepare('SELECT count(*) AS n FROM pending_upload').get()).toEqual({ n: 1 });
  });

  it('0010 adds how long after reading a message disappears, indexed for the sweep', () => {
    const db = new Database(':memory:');
    migrate(db, 10);
    expect(currentVersion(db)).toBe(10);
    expect(columns(db, 'messages')).toContain('expire_after');
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT uuid FROM messages WHERE expire_after > 0').all() as {
      detail: string;
    }[];
    expect(plan.map((p) => p.detail).join(' ')).toContain('messages_expiring');
  });

  it('0011 adds the groups: one sealed record per group', () => {
    const db = new Database(':memory:');
    migrate(db, 11);
    expect(currentVersion(db)).toBe(11);
    expect(columns(db, 'groups')).toEqual(['id', 'body']);
    const put = db.prepare("INSERT OR REPLACE INTO groups VALUES ('g', ?)");
    put.run(Buffer.from([1]));
    put.run(Buffer.from([2]));
    expect(db.prepare('SELECT count(*) AS n FROM groups').get()).toEqual({ n: 1 });
  });

  it('runs each migration once and refuses a database from a newer version', () => {
    const db = new Database(':memory:');
    migrate(db);
    migrate(db);
    expect(currentVersion(db)).toBe(MIGRATIONS.length);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    expect(() => migrate(db)).toThrowError(/newer than this version/);
  });

  it('versions are numbered 1..n without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });
});
